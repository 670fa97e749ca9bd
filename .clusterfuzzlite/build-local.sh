#!/usr/bin/env bash
# Exercises build.sh without Docker, as far as that goes, and runs what it builds.
#
#   .clusterfuzzlite/build-local.sh [DIR]        (default out/cflite)
#
# A fresh venv stands in for the base-builder-python image (Python, Atheris, PyInstaller), and a
# stand-in for OSS-Fuzz's compile_python_fuzzer freezes each fuzzer with `pyinstaller --onefile`
# into $OUT/<name>.pkg and writes the $OUT/<name> wrapper that ClusterFuzz executes. What it
# cannot reproduce: the sanitizer runtime OSS-Fuzz preloads (LD_PRELOAD of
# sanitizer_with_fuzzer.so) and the base image's exact Python. Then every fuzzer in $OUT runs
# with -runs=100 and must exit 0 (a crash or a finding fails the script).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE=$(realpath -m "${1:-$ROOT/out/cflite}")
PYTHON=${PYTHON:-python3}
export SRC="$BASE/src" OUT="$BASE/out" WORK="$BASE/work" FUZZRT_SRC="$ROOT" SANITIZER=address

rm -rf "$SRC" "$OUT" "$WORK" "$BASE/bin"
mkdir -p "$SRC" "$OUT" "$WORK" "$BASE/bin"
if [[ ! -x "$BASE/venv/bin/python3" ]]; then
    "$PYTHON" -m venv "$BASE/venv"
fi
"$BASE/venv/bin/pip" install --quiet --upgrade pip pyinstaller atheris

cat > "$BASE/bin/compile_python_fuzzer" <<'EOF'
#!/bin/bash -eu
# stand-in for OSS-Fuzz's compile_python_fuzzer: freeze FUZZER.py into $OUT/FUZZER.pkg, write the wrapper
fuzzer=$1
shift
name=$(basename -s .py "$fuzzer")
pyinstaller --noconfirm --log-level WARN --distpath "$OUT" --workpath "$WORK/pyinstaller/$name" \
    --specpath "$WORK/pyinstaller" --onefile --name "$name.pkg" "$@" "$fuzzer"
chmod -x "$OUT/$name.pkg"    # ClusterFuzz treats executables in $OUT as fuzz targets
cat > "$OUT/$name" <<WRAPPER
#!/bin/sh
# LLVMFuzzerTestOneInput (marks this file as a fuzz target)
this_dir=\$(dirname "\$0")
chmod +x "\$this_dir/$name.pkg"
exec "\$this_dir/$name.pkg" "\$@"
WRAPPER
chmod +x "$OUT/$name"
EOF
chmod +x "$BASE/bin/compile_python_fuzzer"

PATH="$BASE/bin:$BASE/venv/bin:$PATH" bash -eu "$ROOT/.clusterfuzzlite/build.sh"

status=0
for fuzzer in "$OUT"/*_fuzzer; do
    log="$WORK/$(basename "$fuzzer").log"
    if (cd "$WORK" && timeout 600 "$fuzzer" -runs=100 > "$log" 2>&1) && grep -q "Done 100 runs" "$log"; then
        echo "ok   $(basename "$fuzzer"): $(grep -o 'Done 100 runs.*' "$log")"
    else
        echo "FAIL $(basename "$fuzzer"): see $log" >&2
        tail -20 "$log" >&2
        status=1
    fi
done
ls -l "$OUT"
exit $status
