"""Code coverage of ``runtime/`` reached by a campaign, measured with coverage.py, per package.

A campaign runs in many processes (libFuzzer jobs, each with a supervised
worker that executes the runtime), so measuring it means measuring every
Python process it starts: ``environment_for`` gives the variables that make
coverage.py's start-up hook (the ``.pth`` file it installs) measure each one
into its own data file, and ``measure`` combines them afterwards.  Job
processes end with ``os._exit`` and are stopped with SIGTERM, so the config
patches ``_exit`` and saves on SIGTERM; a worker killed by a crash or a hang
loses its data, so the figures are a lower bound.

Per-file results keep the executed line numbers (as ``"1-4,9"`` ranges) so
coverage from several campaigns or reports can be unioned exactly.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

PACKAGE = "runtime"
RCFILE = "coveragerc"


def _package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {PACKAGE!r} package is not importable")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def available() -> bool:
    """Whether coverage.py is installed (campaigns then run measured)."""
    return importlib.util.find_spec("coverage") is not None


def write_rcfile(data_dir: Path) -> Path:
    """A coverage.py config that collects ``runtime`` coverage of every process into ``data_dir``."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    rcfile = data_dir / RCFILE
    rcfile.write_text(
        "# written by fuzzrt report: measure runtime/ in every process of a campaign\n"
        "[run]\n"
        "parallel = true\n"
        f"data_file = {data_dir / '.coverage'}\n"
        f"source_pkgs = {PACKAGE}\n"
        "patch = _exit\n"
        "sigterm = true\n"
        "disable_warnings = module-not-imported, no-data-collected, module-not-measured, couldnt-parse\n"
    )
    return rcfile


def environment_for(data_dir: Path) -> dict[str, str]:
    """Environment variables under which every Python child process measures into ``data_dir``."""
    return {"COVERAGE_PROCESS_START": str(write_rcfile(data_dir))}


# -- line ranges ---------------------------------------------------------------------------
def encode_lines(lines: set[int] | list[int]) -> str:
    """``{1, 2, 3, 7}`` -> ``"1-3,7"``."""
    out: list[str] = []
    ordered = sorted(set(lines))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(out)


def decode_lines(text: str) -> set[int]:
    """The inverse of ``encode_lines``; ``ValueError`` on anything else."""
    lines: set[int] = set()
    for part in filter(None, text.split(",")):
        first, dash, last = part.partition("-")
        lo, hi = int(first), int(last if dash else first)
        if lo < 1 or hi < lo:
            raise ValueError(f"bad line range {part!r}")
        lines.update(range(lo, hi + 1))
    return lines


# -- summaries -------------------------------------------------------------------------------
def package_of(path: str) -> str:
    """``runtime/jit/function.py`` -> ``runtime/jit``; modules at the top are package ``runtime``."""
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def _total(statements: int, covered: int) -> dict[str, Any]:
    return {"statements": statements, "covered": covered,
            "percent": round(100.0 * covered / statements, 2) if statements else None}


def summarize(files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per-package and overall totals of per-file results (``{"statements", "executed"}``)."""
    packages: dict[str, list[int]] = {}
    for path, entry in files.items():
        counts = packages.setdefault(package_of(path), [0, 0])
        counts[0] += entry["statements"]
        counts[1] += len(decode_lines(entry["executed"]))
    statements = sum(c[0] for c in packages.values())
    covered = sum(c[1] for c in packages.values())
    return {"packages": {name: _total(*counts) for name, counts in sorted(packages.items())},
            "total": _total(statements, covered)}


def union(many: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per-file results of several measurements combined: a line counts if any executed it."""
    out: dict[str, tuple[int, set[int]]] = {}
    for files in many:
        for path, entry in files.items():
            statements, executed = out.get(path, (0, set()))
            out[path] = (max(statements, entry["statements"]), executed | decode_lines(entry["executed"]))
    return {path: {"statements": s, "executed": encode_lines(lines)} for path, (s, lines) in sorted(out.items())}


def measure(data_dir: Path) -> dict[str, Any] | None:
    """Combine the data files in ``data_dir``: ``{"packages", "total", "files"}``, or None if there are none."""
    import coverage

    data_dir = Path(data_dir).resolve()
    if not any(data_dir.glob(".coverage.*")):
        return None
    cov = coverage.Coverage(config_file=str(data_dir / RCFILE), data_file=str(data_dir / ".coverage"))
    cov.combine([str(data_dir)], keep=False, strict=False)
    cov.save()
    root = _package_dir()
    files: dict[str, dict[str, Any]] = {}
    for source in sorted(root.rglob("*.py")):
        try:
            _, statements, _, missing, _ = cov.analysis2(str(source))
        except coverage.CoverageException:
            continue
        if not statements:
            continue
        relative = f"{PACKAGE}/{source.relative_to(root).as_posix()}"
        files[relative] = {"statements": len(statements),
                           "executed": encode_lines(set(statements) - set(missing))}
    return {**summarize(files), "files": files}
