"""The ``wasi-syscalls`` fuzz target: calls under Hypothesis, the oracle catching bugs, artifacts, fixes.

The state machine draws calls with the target's own generator (from
Hypothesis bytes) and steps the target's ``WasiSession`` — the runtime and
wasmtime, each over its own copy of the sandbox — so both fuzzers share one
oracle.  The module is built once per machine run from the calls it will
make, which is why the calls are drawn up front.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from fuzzrt.artifacts import write_artifact
from fuzzrt.campaign.context import TargetContext
from fuzzrt.campaign.execution import CONCLUSIVE, FINDING, Execution
from fuzzrt.campaign.runner import artifact_of
from fuzzrt.campaign.targets.wasi_syscalls import FUNCTIONS, TARGET, WasiSession, generate_call
from fuzzrt.generators.unstructured import Unstructured
from runtime.wasi import preview1

ROOT = Path(__file__).resolve().parents[1]


class WasiSyscallsMachine(RuleBasedStateMachine):
    @initialize(seeds=st.lists(st.binary(min_size=16, max_size=48), min_size=12, max_size=12))
    def setup(self, seeds: list[bytes]) -> None:
        self.ops = [generate_call(Unstructured(seed)) for seed in seeds]
        self.session = WasiSession(TARGET.with_ops(TARGET.case_of([], {}), self.ops).wasm)
        self.next = 0

    def teardown(self) -> None:
        self.session.close()

    @rule()
    def call(self) -> None:
        if self.next < len(self.ops):
            self.next += 1
            failed = [c for c in self.session.step(self.ops[self.next - 1]) if not c.passed]
            assert not failed, failed[0].finding(self.next - 1).message

    @invariant()
    def nothing_outside_changed(self) -> None:
        failed = [c for c in self.session.finish() if not c.passed]
        assert not failed, failed[0].finding(self.next).message


TestWasiSyscalls = WasiSyscallsMachine.TestCase
TestWasiSyscalls.settings = settings(max_examples=8, stateful_step_count=12, deadline=None)


def run_ops(ops: list[dict[str, Any]]) -> Execution:
    execution = Execution(TARGET.name, b"", case=TARGET.case_of(ops, {}))
    TARGET.replay(execution, TargetContext(isolated=False))
    return execution


def call(name: str, args: list[int], paths: tuple[str, str] = ("", ""),
         iovecs: tuple[tuple[int, int], ...] = ((0, 0), (0, 0))) -> dict[str, Any]:
    return {"op": name, "args": args, "paths": list(paths), "iovecs": [list(v) for v in iovecs]}


def test_generated_modules_reach_every_import_and_agree_with_wasmtime() -> None:
    seen = set()
    for seed in range(40):
        execution = TARGET.execute(bytes((seed * 37 + i * 11) % 256 for i in range(400)),
                                   TargetContext(isolated=False))
        assert execution.status == CONCLUSIVE, execution.finding
        seen.update(op["op"] for op in execution.case.config["ops"])
    assert len(seen) > 25 and seen <= set(FUNCTIONS)


def test_huge_first_iovec_is_nomem_before_the_fd_like_wasmtime() -> None:
    """Regression: the runtime answered BADF/trapped/read 0 bytes; wasmtime says NOMEM first."""
    huge = ((100, preview1.MAX_IOVEC_LEN + 1), (0, 0))
    ops = [call("fd_read", [9, 512, 1, 16], iovecs=huge), call("fd_write", [1, 512, 1, 16], iovecs=huge),
           call("fd_read", [0, 512, 2, 16], iovecs=((100, 5), (100, preview1.MAX_IOVEC_LEN + 1)))]
    assert run_ops(ops).status == CONCLUSIVE


def test_huge_path_length_is_nomem_after_the_fd_like_wasmtime() -> None:
    """Regression: a path length past 2**27 trapped (out of bounds), wasmtime says NOMEM (BADF first);
    an empty path past the end of memory was ENOENT, wasmtime traps; path_unlink_file alone has no
    length limit in wasmtime (a huge one traps)."""
    ops = [call("path_create_directory", [3, 0, 0x8000001]), call("path_create_directory", [9, 0, 0x8000001]),
           call("path_symlink", [1024, 4, 3, 4096, 0xFFFF_FFFF], paths=("new/", "")),
           call("path_create_directory", [3, 0, 0x8000000]), call("path_unlink_file", [3, 65536, 0]),
           call("path_unlink_file", [3, 65537, 0]), call("path_unlink_file", [3, 0, 0xFFFF_FFFF]),
           call("path_unlink_file", [3, 0, 0x8000001])]
    assert run_ops(ops).status == CONCLUSIVE


def test_absolute_path_with_a_nul_is_eperm_like_wasmtime() -> None:
    """Regression: wasmtime checks an absolute path before its NUL (EPERM), except in path_open,
    path_filestat_get and following path_filestat_set_times (EINVAL); so does the runtime now."""
    ops = [call("path_remove_directory", [3, 1024, 5], paths=("/etc\0", "")),
           call("path_readlink", [3, 1024, 2, 4096, 16, 16], paths=("/\0", "")),
           call("path_unlink_file", [3, 1024, 3], paths=("a\0b", "")),
           call("path_symlink", [1024, 2, 3, 1536, 3], paths=("/\0", "new")),
           call("path_open", [3, 0, 1024, 4, 0, 0, 0, 0, 16], paths=("/e\0x", "")),
           call("path_filestat_get", [3, 1, 1024, 2, 4096], paths=("/\0", "")),
           call("path_filestat_set_times", [3, 1, 1024, 2, 0, 0, 0], paths=("/\0", "")),
           call("path_filestat_set_times", [3, 0, 1024, 2, 0, 0, 0], paths=("/\0", "")),
           call("path_symlink", [0, 0, 3, 1536, 5], paths=("", "new/\0")),
           call("path_symlink", [0, 0, 3, 1536, 7], paths=("", "f.txt/\0")),
           call("path_create_directory", [3, 1024, 5], paths=("sub/\0", ""))]
    assert run_ops(ops).status == CONCLUSIVE


def test_readlink_of_an_absolute_link_is_eperm_like_wasmtime() -> None:
    """Regression: the runtime handed the guest the target of a link to /etc; wasmtime refuses (EPERM)."""
    ops = [call("path_readlink", [3, 1024, 10, 0, 9, 4], paths=("escape_abs", "")),
           call("path_readlink", [3, 1024, 9, 0, 16, 4], paths=("escape_up", ""))]
    assert run_ops(ops).status == CONCLUSIVE


def test_following_set_times_with_nothing_to_set_needs_the_file_like_wasmtime() -> None:
    """Regression: with no time flags, a following path_filestat_set_times of a missing file succeeded."""
    ops = [call("path_filestat_set_times", [3, 1, 1024, 3, 0, 0, 0], paths=("new", "")),
           call("path_filestat_set_times", [3, 0, 1024, 3, 0, 0, 0], paths=("new", "")),
           call("path_filestat_set_times", [3, 1, 1024, 8, 0, 0, 0], paths=("dangling", ""))]
    assert run_ops(ops).status == CONCLUSIVE


def test_empty_symlink_target_is_enoent_before_a_too_long_name_like_wasmtime() -> None:
    """Regression: an empty target with a 300-byte link name was ENAMETOOLONG; wasmtime says ENOENT."""
    ops = [call("path_symlink", [9, 0, 3, 1536, 300], paths=("", "x" * 300)),
           call("path_symlink", [1024, 1, 3, 1536, 300], paths=("f", "x" * 300))]
    assert run_ops(ops).status == CONCLUSIVE


def test_oracle_catches_a_wrong_errno_and_an_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preview1, "MAX_IOVEC_LEN", 1 << 40)
    execution = run_ops([call("fd_read", [9, 512, 1, 16], iovecs=((100, 0xFFFF_FFFF), (0, 0)))])
    assert execution.status == FINDING and execution.finding is not None
    assert execution.finding.detail == "fd_read:errno:48->errno:8"
    monkeypatch.undo()

    real_open = os.open

    def leaky_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if kwargs.get("dir_fd") is not None and str(path) == "made":
            Path(os.readlink(f"/proc/self/fd/{kwargs['dir_fd']}")).parent.joinpath("escaped").write_text("x")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", leaky_open)
    execution = run_ops([call("path_open", [3, 0, 1024, 4, 1, 0, 0, 0, 16], paths=("made", ""))])
    assert execution.status == FINDING and execution.finding is not None
    assert execution.finding.detail.startswith("outside-")


def test_saved_artifact_replays_with_fuzzrt_repro(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(preview1, "MAX_IOVEC_LEN", 1 << 40)
    execution = run_ops([call("fd_read", [9, 512, 1, 16], iovecs=((100, 0xFFFF_FFFF), (0, 0)))])
    assert execution.status == FINDING
    write_artifact(artifact_of(execution), tmp_path / "art")
    assert (tmp_path / "art" / "module.wat").read_text().count("fd_read") >= 2
    fixed = subprocess.run([sys.executable, "-m", "fuzzrt", "repro", str(tmp_path / "art")], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert fixed.returncode == 0 and "FIXED" in fixed.stdout, fixed.stdout + fixed.stderr


def test_dropped_stores_close_their_wasi_descriptors(tmp_path: Path) -> None:
    """Regression: a WASI context never closed its preopen dups or guest-opened files (found by poll: EMFILE)."""
    import gc

    import runtime as rt

    def open_fds() -> int:
        gc.collect()
        return len(os.listdir("/proc/self/fd"))

    engine = rt.Engine()
    before = open_fds()
    for _ in range(30):
        cfg = rt.WasiConfig()
        cfg.preopen_dir(str(tmp_path), "/dir")
        store = rt.Store(engine)
        store.set_wasi(cfg)
        del store, cfg
    assert open_fds() == before
