#!/usr/bin/env bash
# Spec conformance run for CI: fails if a file crashes, times out or passes fewer assertions
# than tests/spec_baseline.json. Full results as JSON (out/spec-results.json) and the
# conformance report (out/conformance/report.html, report.json, report.md with the change
# against the baseline). Extra arguments go to `fuzzrt spec` (e.g. files to run).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

"$PY" -m fuzzrt spec --baseline tests/spec_baseline.json --json out/spec-results.json "$@"
status=$?
if [[ $status -eq 2 || ! -f out/spec-results.json ]]; then
    exit 2
fi
"$PY" -m fuzzrt report --from out/spec-results.json --out out/conformance --baseline tests/spec_baseline.json
report_status=$?
exit $(( status > report_status ? status : report_status ))
