"""libFuzzer corpus tools: union by content, coverage-preserving merge and minimization, stats.

``fuzzrt corpus merge|minimize|stats`` and ``ci/fuzz.sh`` (restoring and
saving the CI corpus cache) are built on these.
"""
from .files import CorpusError, UnionResult, input_name, iter_inputs, union, write_input
from .libfuzzer import MergeResult, coverage_merge, minimize
from .stats import corpus_stats, format_stats

__all__ = [
    "CorpusError", "MergeResult", "UnionResult", "corpus_stats", "coverage_merge", "format_stats", "input_name",
    "iter_inputs", "minimize", "union", "write_input",
]
