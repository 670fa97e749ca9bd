"""The benchmark suite (``fuzzrt bench``): the runtime against wasmtime, and pywasm on small sizes.

Workloads live in a registry (``registry.WORKLOAD_MODULES``): C programs
(``programs``), WAT micro-kernels (``micro`` over ``kernels.KERNELS``), call
costs (``calls``), compile throughput (``throughput``) and differential-fuzzing
speed (``fuzzing``).  ``run_bench`` runs a selection and reports.
"""
from .runner import run_bench

__all__ = ["run_bench"]
