"""Coverage-preserving corpus merge and minimization, by libFuzzer itself (``-merge=1``).

libFuzzer runs every input through the target and keeps, smallest first,
only those that add coverage features; that is the same signal that guides
fuzzing, so the minimized corpus loses nothing the fuzzer could use.  The
target is started through ``fuzzrt.corpus.launch`` (libFuzzer re-executes
itself for the merge), findings hit on the way go to a scratch artifact
directory that is thrown away, and a failed merge leaves the corpus as it was.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .files import CorpusError, iter_inputs
from .launch import MODULE

_ADDED = re.compile(rb"MERGE-OUTER: (\d+) new files with (\d+) new features added")
#: the harness's own budget variables would make a merge stop early
_CLEARED_ENV = ("FUZZRT_MAX_RUNS", "FUZZRT_MAX_SECONDS", "FUZZRT_STATS_DIR")
DEFAULT_MAX_LEN = 4096


@dataclass(frozen=True, slots=True)
class MergeResult:
    kept: int
    features: int
    log: str


def target_script(target: str) -> Path:
    """The Atheris script of ``target`` (``KeyError`` for an unknown one)."""
    from fuzzrt.campaign.registry import get_target

    return get_target(target).script()


def coverage_merge(target: str, dest: Path, sources: list[Path], max_len: int = DEFAULT_MAX_LEN,
                   timeout: float | None = None) -> MergeResult:
    """Add to ``dest`` the inputs of ``sources`` that add coverage of ``target`` (libFuzzer ``-merge=1``)."""
    script = target_script(target)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    sources = [Path(s) for s in sources if Path(s).is_dir()]
    scratch = Path(tempfile.mkdtemp(prefix="fuzzrt-merge-"))
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED_ENV}
    env["FUZZRT_ARTIFACTS"] = str(scratch / "artifacts")
    cmd = [sys.executable, "-m", MODULE, str(script), "-merge=1", f"-max_len={max_len}",
           f"-merge_control_file={scratch / 'control'}", f"-artifact_prefix={scratch}/", str(dest),
           *map(str, sources)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise CorpusError(f"corpus merge for {target} took longer than {timeout:.0f}s") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    found = _ADDED.findall(proc.stdout + proc.stderr)
    if proc.returncode != 0 or not found:
        raise CorpusError(f"libFuzzer merge for {target} failed (exit {proc.returncode}):\n{log[-2000:]}")
    return MergeResult(int(found[-1][0]), int(found[-1][1]), log)


def minimize(target: str, corpus: Path, out: Path | None = None, max_len: int = DEFAULT_MAX_LEN,
             timeout: float | None = None) -> tuple[int, int]:
    """Minimize ``corpus`` for ``target`` into ``out`` (default: in place); (inputs before, after).

    In place, the result is built beside the corpus and swapped in with renames, so an
    interrupted or failed minimization leaves the original corpus whole.
    """
    corpus = Path(corpus)
    before = sum(1 for _ in iter_inputs(corpus))
    if before == 0:    # nothing to run; libFuzzer would only report an empty merge
        if out is not None:
            Path(out).mkdir(parents=True, exist_ok=True)
        return 0, 0
    if out is not None:
        out = Path(out)
        if out.exists() and any(iter_inputs(out)):
            raise CorpusError(f"{out}: the output corpus must be empty or absent")
        return before, coverage_merge(target, out, [corpus], max_len, timeout).kept
    fresh = Path(tempfile.mkdtemp(prefix=f".{corpus.name}.min-", dir=corpus.parent))
    try:
        kept = coverage_merge(target, fresh, [corpus], max_len, timeout).kept
        old = corpus.with_name(f".{corpus.name}.old-{os.getpid()}")
        os.rename(corpus, old)
        os.rename(fresh, corpus)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return before, kept
