#!/bin/sh
# Build every corpora/bench/src/*.c into corpora/bench/bin/NAME.wasm (wasm32-wasi, -O2, stripped).
# A source may ask for extra flags on a line of its own: `// cflags: -mbulk-memory`.
# Needs Debian's clang, lld, wasi-libc and libclang-rt-dev-wasm32:
#   apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# The built modules are committed, so `fuzzrt bench` and the tests never need a C compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-clang}
mkdir -p "$here/bin"
for src in "$here"/src/*.c; do
    name=$(basename "$src" .c)
    extra=$(sed -n 's|^// cflags: ||p' "$src")
    # shellcheck disable=SC2086  # $extra is a list of flags
    "$CC" --target=wasm32-wasi -O2 -Wall -Wextra $extra -Wl,--strip-debug \
        -o "$here/bin/$name.wasm" "$src"
    echo "built bin/$name.wasm"
done
