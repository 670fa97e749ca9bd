"""Benchmarks of the runtime against wasmtime (``fuzzrt bench``)."""
from .runner import run_bench

__all__ = ["run_bench"]
