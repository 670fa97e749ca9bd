"""Atheris entry point of the ``api-calls`` fuzz target (``fuzzrt targets`` describes it).

Takes libFuzzer's command line, e.g.::

    python targets/api_calls.py CORPUS_DIR [SEED_DIR...] -max_total_time=600 -artifact_prefix=out/crashes/

``fuzzrt fuzz api-calls`` runs it with a live status line and a JSON summary.
"""
import sys

import atheris

with atheris.instrument_imports(include=["runtime"]):
    import runtime  # noqa: F401  (imported instrumented: its coverage guides libFuzzer)

from fuzzrt.campaign.atheris_main import fuzz  # noqa: E402

if __name__ == "__main__":
    fuzz("api-calls", sys.argv)
