"""Engine adapters: the runtime under test and the wasmtime reference behind one protocol.

* ``base``: the ``EngineAdapter`` protocol (primitive operations, bits only).
* ``runtime_adapter`` / ``wasmtime_adapter``: the two implementations.
* ``driver``: runs one case on one engine (compile, imports, instantiate, calls, snapshots).
* ``executor``: runs one case on both engines with the same calls.
* ``outcome``: what an engine did, as comparable plain data; ``plan``: per-case engine knobs.
* ``host`` / ``shim``: identical, exactly recorded host imports on both engines.
"""
from .base import EngineAdapter, ExternDesc
from .executor import Job, PairResult, default_engines, execute
from .outcome import CallOutcome, Outcome, Snapshot, Status
from .plan import ExecPlan, draw_plan

__all__ = [
    "CallOutcome", "EngineAdapter", "ExecPlan", "ExternDesc", "Job", "Outcome", "PairResult",
    "Snapshot", "Status", "default_engines", "draw_plan", "execute",
]
