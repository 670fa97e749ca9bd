#!/usr/bin/env bash
# Spec conformance run for CI: fails if a file crashes, times out or passes
# fewer assertions than tests/spec_baseline.json; full results as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m fuzzrt spec --baseline tests/spec_baseline.json --json out/spec-results.json "$@"
