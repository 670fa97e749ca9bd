#!/bin/sh
# Build every corpora/wasi/src/*.c into corpora/wasi/bin/NAME.wasm (wasm32-wasi, -O2, stripped).
# Needs Debian's clang, lld, wasi-libc and libclang-rt-dev-wasm32:
#   apt-get install -y clang lld wasi-libc libclang-rt-dev-wasm32
# The built modules are committed, so the tests never need a C compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-clang}
mkdir -p "$here/bin"
for src in "$here"/src/*.c; do
    name=$(basename "$src" .c)
    "$CC" --target=wasm32-wasi -O2 -Wall -Wextra -Wno-unused-parameter -Wno-infinite-recursion \
        -Wl,--strip-debug -o "$here/bin/$name.wasm" "$src"
    echo "built bin/$name.wasm"
done
