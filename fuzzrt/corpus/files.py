"""libFuzzer corpus directories as sets of inputs: content-addressed names, union, listing.

libFuzzer names every input it saves by the SHA-1 of its bytes, so the same
input has the same name in every corpus; merging corpora from CI caches,
other machines or ClusterFuzzLite is then a union by name.  Inputs are read
flat from the top of a directory (libFuzzer never nests them); hidden files
and subdirectories are ignored.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


class CorpusError(Exception):
    """A corpus directory cannot be read or written, or a coverage merge failed."""


def input_name(data: bytes) -> str:
    """The file name libFuzzer gives ``data``: its SHA-1 in hex."""
    return hashlib.sha1(data).hexdigest()


def iter_inputs(directory: Path) -> Iterator[Path]:
    """The input files of a corpus directory, sorted by name."""
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusError(f"{directory}: not a corpus directory")
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise CorpusError(f"cannot list {directory}: {exc}") from None
    for path in entries:
        if not path.name.startswith(".") and path.is_file():
            yield path


def write_input(directory: Path, data: bytes) -> tuple[Path, bool]:
    """Store ``data`` under its content name, atomically; (path, whether it was new)."""
    path = Path(directory) / input_name(data)
    if path.exists():
        return path, False
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path, True


@dataclass(slots=True)
class UnionResult:
    """What ``union`` did, input by input."""

    added: int = 0
    duplicates: int = 0
    too_long: int = 0
    sources: dict[str, int] = field(default_factory=dict)   # inputs read per source directory


def union(dest: Path, sources: list[Path], max_len: int | None = None) -> UnionResult:
    """Copy every input of ``sources`` into ``dest`` by content name, skipping duplicates
    and (with ``max_len``) inputs longer than libFuzzer would ever generate."""
    dest = Path(dest)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CorpusError(f"cannot create {dest}: {exc}") from None
    result = UnionResult()
    for source in sources:
        count = 0
        for path in iter_inputs(source):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CorpusError(f"cannot read {path}: {exc}") from None
            count += 1
            if max_len is not None and len(data) > max_len:
                result.too_long += 1
                continue
            _, new = write_input(dest, data)
            if new:
                result.added += 1
            else:
                result.duplicates += 1
        result.sources[str(source)] = count
    return result
