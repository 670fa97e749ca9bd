"""``fuzzrt fuzz``: start the fuzzing jobs, show a live status line, restart what dies, summarise.

Each job is its own process: an Atheris script (``targets/<name>.py``) under
libFuzzer, or a Hypothesis job.  Jobs share the corpus directory (libFuzzer
reloads it periodically, so one job's discoveries reach the others) and the
artifact store (whose saves are race-free), and each writes its counters to
its own stats file, which this process sums for the status line and the
final summary.  Every job enforces its share of the budget itself and exits
cleanly; a job that dies early (a harness bug, or libFuzzer's own crash,
timeout or OOM handling) is logged and restarted while budget remains.
"""
from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .pool import default_size
from .registry import get_target
from .stats import read_all
from .supervisor import DEFAULT_DEADLINE

ENGINES = ("atheris", "hypothesis")
SEEDS_DIR = Path(__file__).resolve().parents[2] / "corpora"
MAX_JOB_RESTARTS = 20
_COV = re.compile(rb"cov: (\d+)")
_TICK = 0.5


@dataclass(slots=True)
class CampaignOptions:
    target: str
    seconds: float | None = None
    runs: int | None = None
    jobs: int = 1
    seed: int | None = None
    corpus: Path | None = None
    artifacts: Path = Path("out/fuzz/artifacts")
    engine: str = "atheris"
    deadline: float = DEFAULT_DEADLINE
    max_len: int = 4096
    workers: int | None = None        # per job; default: the CPUs shared among the jobs
    work_dir: Path = Path("out/fuzz")
    extra_args: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Slot:
    """One job position: its current process, how many runs it still owes, its log."""

    index: int
    log: Path
    runs_left: int | None
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    done: bool = False
    log_offset: int = 0
    coverage: int = 0


class Campaign:
    def __init__(self, options: CampaignOptions, out: IO[str] = sys.stderr):
        if options.engine not in ENGINES:
            raise ValueError(f"unknown engine {options.engine!r}; expected one of {', '.join(ENGINES)}")
        if options.jobs < 1:
            raise ValueError("--jobs must be at least 1")
        self.options = options
        self.target = get_target(options.target)
        self.out = out
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = options.work_dir / options.target
        self.corpus = options.corpus or base / "corpus"
        self.stats_dir = base / "stats" / f"{stamp}-{os.getpid()}"
        self.logs_dir = base / "logs" / f"{stamp}-{os.getpid()}"
        self.libfuzzer_dir = base / "libfuzzer"
        self.job_failures: list[dict[str, Any]] = []
        # libFuzzer files already there (earlier campaigns) are not this campaign's findings
        self._libfuzzer_before = frozenset(os.listdir(self.libfuzzer_dir)) if self.libfuzzer_dir.is_dir() \
            else frozenset()
        self._adopted: set[str] = set(self._libfuzzer_before)
        self._adopted_signatures: Counter = Counter()
        self._adopted_new = 0
        self._tty = out.isatty()
        self._last_line = 0.0

    # -- job processes -------------------------------------------------------------
    def _command(self, slot: _Slot) -> list[str]:
        o = self.options
        seed = None if o.seed is None else o.seed + slot.index + 1000 * slot.restarts
        if o.engine == "hypothesis":
            cmd = [sys.executable, "-m", "fuzzrt.campaign.hypothesis_main", o.target]
            return cmd + ([f"--seed={seed}"] if seed is not None else [])
        cmd = [sys.executable, str(self.target.script()), str(self.corpus)]
        seeds = SEEDS_DIR / o.target
        if seeds.is_dir():
            cmd.append(str(seeds))
        cmd += [f"-max_len={o.max_len}", f"-artifact_prefix={self.libfuzzer_dir}/", "-timeout=600",
                "-rss_limit_mb=4096", "-print_final_stats=1"]
        if seed is not None:
            cmd.append(f"-seed={seed}")
        if o.seconds:
            cmd.append(f"-max_total_time={int(o.seconds) + 120}")
        return cmd + list(o.extra_args)

    def _start(self, slot: _Slot, remaining: float | None) -> None:
        env = dict(os.environ)
        env.update({
            "FUZZRT_ARTIFACTS": str(self.options.artifacts),
            "FUZZRT_STATS_DIR": str(self.stats_dir),
            "FUZZRT_DEADLINE": str(self.options.deadline),
            "FUZZRT_WORKERS": str(self.options.workers or default_size(self.options.jobs)),
            "FUZZRT_MAX_RUNS": str(slot.runs_left or 0),
            "FUZZRT_MAX_SECONDS": str(max(remaining, 0.001) if remaining is not None else 0),
        })
        log = open(slot.log, "ab")
        try:
            slot.proc = subprocess.Popen(self._command(slot), stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        finally:
            log.close()

    def _job_exited(self, slot: _Slot, remaining: float | None, runs_done: int) -> None:
        assert slot.proc is not None
        code = slot.proc.returncode
        slot.proc = None
        if slot.runs_left is not None:
            slot.runs_left = max(slot.runs_left - runs_done, 0)
        budget_left = (remaining is None or remaining > 1.0) and (slot.runs_left is None or slot.runs_left > 0)
        if code == 0 and not budget_left:
            slot.done = True
            return
        tail = slot.log.read_bytes()[-20000:].decode("utf-8", "replace") if slot.log.exists() else ""
        self._adopt(tail)
        self.job_failures.append({"job": slot.index, "exit": code, "log": str(slot.log), "tail": tail[-1500:]})
        self._print(f"\nfuzzrt: job {slot.index} exited with status {code}; see {slot.log}\n")
        if not budget_left or slot.restarts >= MAX_JOB_RESTARTS:
            slot.done = True
            return
        slot.restarts += 1
        self._start(slot, remaining)

    def _adopt(self, log_text: str) -> None:
        """Artifacts for the crash/timeout files a job that died left behind (see ``crashes``)."""
        from fuzzrt.artifacts import ArtifactStore

        from .crashes import adopt
        for signature, result in adopt(self.target, self.libfuzzer_dir, ArtifactStore(self.options.artifacts),
                                       self._adopted, log_text):
            self._adopted_signatures[signature] += 1
            self._adopted_new += result.new
            self._print(f"\nfuzzrt: the job died on an input ({signature}); artifact {result.path}\n")

    def _coverage(self, slot: _Slot) -> int:
        """The last ``cov:`` figure libFuzzer printed in the slot's log."""
        try:
            with open(slot.log, "rb") as f:
                f.seek(slot.log_offset)
                chunk = f.read()
        except OSError:
            return slot.coverage
        slot.log_offset += len(chunk)
        found = _COV.findall(chunk)
        if found:
            slot.coverage = int(found[-1])
        return slot.coverage

    # -- status -----------------------------------------------------------------------
    def _print(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def _aggregate(self, slots: list[_Slot], elapsed: float) -> dict[str, Any]:
        jobs = read_all(self.stats_dir)
        total = Counter()
        reasons: Counter = Counter()
        signatures: Counter = Counter()
        seconds: Counter = Counter()
        features = 0
        for job in jobs:
            for key in ("execs", "conclusive", "inconclusive", "findings", "new_findings", "worker_restarts"):
                total[key] += int(job.get(key, 0))
            reasons.update(job.get("inconclusive_reasons", {}))
            signatures.update(job.get("signatures", {}))
            seconds.update(job.get("seconds", {}))
            features = max(features, int(job.get("features", 0)))
        # inputs that killed a job: counted as executions with findings (the job could not count them)
        total["execs"] += sum(self._adopted_signatures.values())
        total["findings"] += sum(self._adopted_signatures.values())
        total["new_findings"] += self._adopted_new
        signatures.update(self._adopted_signatures)
        coverage = max((self._coverage(s) for s in slots), default=0) if self.options.engine == "atheris" \
            else features
        execs = total["execs"]
        return {
            "target": self.options.target,
            "engine": self.options.engine,
            "jobs": self.options.jobs,
            "workers_per_job": self.options.workers or default_size(self.options.jobs),
            "seconds": round(elapsed, 3),
            "execs": execs,
            "execs_per_sec": round(execs / elapsed, 2) if elapsed > 0 else 0.0,
            "conclusive": total["conclusive"] + total["findings"],
            "inconclusive": total["inconclusive"],
            "conclusive_pct": round(100.0 * (execs - total["inconclusive"]) / execs, 2) if execs else 0.0,
            "inconclusive_reasons": dict(reasons),
            "findings": total["findings"],
            "unique_findings": len(signatures),
            "new_findings": total["new_findings"],
            "signatures": dict(signatures),
            "coverage": coverage,
            "coverage_kind": "libfuzzer-edges" if self.options.engine == "atheris" else "behaviours",
            "worker_restarts": total["worker_restarts"],
            "job_restarts": sum(s.restarts for s in slots),
            # where the time goes: mean milliseconds per execution generating, and in each engine
            "ms_per_exec": {k: round(1000 * v / execs, 2) for k, v in seconds.items()} if execs else {},
        }

    def _status(self, summary: dict[str, Any], final: bool = False) -> None:
        budget = f"/{self.options.seconds:.0f}s" if self.options.seconds else "s"
        pct = 100.0 - summary["conclusive_pct"] if summary["execs"] else 0.0
        line = (f"[{summary['target']}] {summary['seconds']:.0f}{budget}  execs {summary['execs']}  "
                f"{summary['execs_per_sec']:.1f}/s  cov {summary['coverage']}  "
                f"findings {summary['findings']} ({summary['unique_findings']} unique, "
                f"{summary['new_findings']} new)  inconclusive {pct:.1f}%")
        now = time.monotonic()
        if self._tty:
            self._print("\r\x1b[K" + line + ("\n" if final else ""))
        elif final or now - self._last_line >= 10:
            self._last_line = now
            self._print(line + "\n")

    # -- the campaign -------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        o = self.options
        for d in (self.corpus, self.stats_dir, self.logs_dir, self.libfuzzer_dir, o.artifacts):
            Path(d).mkdir(parents=True, exist_ok=True)
        share = None if o.runs is None else math.ceil(o.runs / o.jobs)
        slots = []
        for i in range(o.jobs):
            runs = None if share is None else min(share, max(o.runs - share * i, 0))  # type: ignore[operator]
            if runs == 0:
                continue
            slots.append(_Slot(i, self.logs_dir / f"job-{i}.log", runs))
        known_before = _artifact_dirs(o.artifacts)
        start = time.monotonic()
        for slot in slots:
            self._start(slot, o.seconds)
        interrupted = False
        try:
            while not all(s.done for s in slots):
                time.sleep(_TICK)
                elapsed = time.monotonic() - start
                remaining = None if o.seconds is None else o.seconds - elapsed
                runs_by_pid = {j.get("pid"): int(j.get("execs", 0)) for j in read_all(self.stats_dir)}
                for slot in slots:
                    if slot.proc is not None and slot.proc.poll() is not None:
                        self._job_exited(slot, remaining, runs_by_pid.get(slot.proc.pid, 0))
                    elif slot.proc is not None and remaining is not None and remaining < -60:
                        slot.proc.kill()   # a job ignoring its own budget: stop it
                self._status(self._aggregate(slots, elapsed))
        except KeyboardInterrupt:
            interrupted = True
            for slot in slots:
                if slot.proc is not None and slot.proc.poll() is None:
                    slot.proc.send_signal(signal.SIGTERM)
            for slot in slots:
                if slot.proc is not None:
                    try:
                        slot.proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        slot.proc.kill()
        summary = self._aggregate(slots, time.monotonic() - start)
        self._status(summary, final=True)
        summary.update({
            "interrupted": interrupted,
            "corpus": str(self.corpus),
            "artifacts": str(o.artifacts),
            "new_artifacts": sorted(str(p) for p in _artifact_dirs(o.artifacts) - known_before),
            "job_failures": self.job_failures,
            "libfuzzer_artifacts": sorted(str(p) for p in self.libfuzzer_dir.iterdir()
                                          if p.name not in self._libfuzzer_before),
            "logs": str(self.logs_dir),
        })
        return summary


def _artifact_dirs(root: Path) -> set[Path]:
    return {p for p in Path(root).iterdir() if p.is_dir() and not p.name.startswith(".")} \
        if Path(root).is_dir() else set()


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(summary, indent=2) + "\n")
    os.replace(tmp, path)
