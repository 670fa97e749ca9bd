#!/usr/bin/env bash
# Continuous fuzzing for CI: a time-boxed campaign over every fuzz target with a persistent corpus.
#
#   ci/fuzz.sh [SECONDS]
#
# 1. restores each target's corpus from the cache directory,
# 2. fuzzes every target (`fuzzrt targets`) for an equal share of the budget and writes the
#    report (report.html/.json/.md) with the findings triaged against the known list,
# 3. minimizes each corpus (libFuzzer -merge=1) and saves it back to the cache,
# 4. collects artifacts: one directory per unique finding, libFuzzer's own crash files, job logs.
#
# Environment (all optional):
#   FUZZ_SECONDS   total fuzzing time in seconds, split over the targets (default 600; $1 wins).
#                  Start-up, corpus minimization and the report come on top.
#   FUZZ_TARGETS   comma-separated targets (default: all)
#   FUZZ_JOBS      fuzzing processes per campaign (default 1)
#   FUZZ_CACHE     corpus cache, restored before and saved after (default out/fuzz-cache)
#   FUZZ_OUT       results: report/, artifacts/, logs/, work/ (default out/ci-fuzz)
#   FUZZ_KNOWN     known, not yet fixed findings: one signature per line (default ci/known-findings.txt)
#   FUZZ_COVERAGE  1: measure runtime/ coverage of each campaign (default); 0: faster campaigns
#   FUZZ_MINIMIZE  1: minimize corpora before saving them (default); 0: save the union
#   PYTHON         interpreter with fuzzrt installed (default python3)
#   FUZZ_PLANT     TEST ONLY, never set it in a real pipeline: "bug" plants a finding, "clean" swaps the
#                  runtime for wasmtime so nothing can be found (see ci/plant/sitecustomize.py)
#
# Exit status: 0 when no finding is new; 1 when a finding is new or a fixed one (corpora/regressions)
# is back (see $FUZZ_OUT/report/report.md and $FUZZ_OUT/artifacts); 2 on a setup error.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
SECONDS_TOTAL=${1:-${FUZZ_SECONDS:-600}}
JOBS=${FUZZ_JOBS:-1}
CACHE=${FUZZ_CACHE:-out/fuzz-cache}
OUT=${FUZZ_OUT:-out/ci-fuzz}
KNOWN=${FUZZ_KNOWN:-ci/known-findings.txt}
WORK="$OUT/work"

if [[ -n "${FUZZ_PLANT:-}" ]]; then
    case "$FUZZ_PLANT" in
        clean|bug) ;;
        *) echo "ci/fuzz.sh: FUZZ_PLANT must be clean or bug" >&2; exit 2 ;;
    esac
    echo "ci/fuzz.sh: TEST MODE, planted engine: $FUZZ_PLANT" >&2
    export PYTHONPATH="$PWD/ci/plant${PYTHONPATH:+:$PYTHONPATH}" FUZZRT_PLANT="$FUZZ_PLANT"
fi

if [[ -n "${FUZZ_TARGETS:-}" ]]; then
    IFS=, read -r -a TARGETS <<< "$FUZZ_TARGETS"
else
    mapfile -t TARGETS < <("$PY" -m fuzzrt targets | awk 'NF { print $1 }')
fi
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    echo "ci/fuzz.sh: no fuzz targets" >&2
    exit 2
fi

rm -rf "$OUT/report" "$OUT/logs" "$WORK"
mkdir -p "$OUT/artifacts" "$OUT/logs" "$WORK/corpus" "$CACHE/corpus" || exit 2

echo "== restoring corpora from $CACHE"
for target in "${TARGETS[@]}"; do
    mkdir -p "$CACHE/corpus/$target"
    "$PY" -m fuzzrt corpus merge "$WORK/corpus/$target" "$CACHE/corpus/$target" || exit 2
done

echo "== fuzzing ${TARGETS[*]} for ${SECONDS_TOTAL}s in total"
report_args=(--no-spec --time "$SECONDS_TOTAL" --targets "$(IFS=,; echo "${TARGETS[*]}")" --jobs "$JOBS"
             --corpus-root "$WORK/corpus" --work-dir "$WORK" --artifacts "$OUT/artifacts"
             --out "$OUT/report" --known "$KNOWN" --fail-on-new)
[[ "${FUZZ_COVERAGE:-1}" == 0 ]] && report_args+=(--no-coverage)
"$PY" -m fuzzrt report "${report_args[@]}"
status=$?
if [[ $status -ne 0 && $status -ne 1 ]]; then
    echo "ci/fuzz.sh: the campaign could not run (exit $status)" >&2
    exit 2
fi

echo "== saving corpora to $CACHE"
for target in "${TARGETS[@]}"; do
    fresh="$CACHE/corpus/.$target.new"
    rm -rf "$fresh"
    if [[ "${FUZZ_MINIMIZE:-1}" != 0 ]] \
        && "$PY" -m fuzzrt corpus minimize "$WORK/corpus/$target" --target "$target" -o "$fresh"; then
        :
    else
        [[ "${FUZZ_MINIMIZE:-1}" != 0 ]] && echo "ci/fuzz.sh: minimizing $target failed; saving the union" >&2
        rm -rf "$fresh"
        "$PY" -m fuzzrt corpus merge "$fresh" "$WORK/corpus/$target" || exit 2
    fi
    rm -rf "$CACHE/corpus/$target" && mv "$fresh" "$CACHE/corpus/$target" || exit 2
done
"$PY" -m fuzzrt corpus stats "$CACHE/corpus/"*/

echo "== collecting artifacts in $OUT"
for target in "${TARGETS[@]}"; do
    if compgen -G "$WORK/$target/libfuzzer/*" > /dev/null; then
        mkdir -p "$OUT/artifacts/libfuzzer/$target"
        cp -r "$WORK/$target/libfuzzer/." "$OUT/artifacts/libfuzzer/$target/"
    fi
    if [[ -d "$WORK/$target/logs" ]]; then
        mkdir -p "$OUT/logs/$target"
        cp -r "$WORK/$target/logs/." "$OUT/logs/$target/"
    fi
done

if [[ $status -eq 1 ]]; then
    echo "ci/fuzz.sh: NEW FINDINGS (or a spec problem): see $OUT/report/report.md and $OUT/artifacts" >&2
else
    echo "ci/fuzz.sh: no new findings; report in $OUT/report/report.html"
fi
exit $status
