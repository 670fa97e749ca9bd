"""What is in a corpus: how many inputs, how big, how old, how many are byte-identical.

Used to watch a CI corpus cache over time (is it growing, did a
minimization throw everything away, are inputs hitting the length cap).
"""
from __future__ import annotations

import hashlib
import statistics
import time
from pathlib import Path
from typing import Any

from .files import CorpusError, iter_inputs

SIZE_BUCKETS = (0, 16, 64, 256, 1024, 4096)


def _bucket(size: int) -> str:
    for lo, hi in zip(SIZE_BUCKETS, SIZE_BUCKETS[1:]):
        if size < hi:
            return f"{lo}-{hi - 1}"
    return f">={SIZE_BUCKETS[-1]}"


def corpus_stats(directory: Path) -> dict[str, Any]:
    """Counts and size/age figures of one corpus directory."""
    sizes: list[int] = []
    mtimes: list[float] = []
    digests: set[str] = set()
    misnamed = 0
    histogram = {_bucket(lo): 0 for lo in SIZE_BUCKETS}
    for path in iter_inputs(directory):
        try:
            data = path.read_bytes()
            mtimes.append(path.stat().st_mtime)
        except OSError as exc:
            raise CorpusError(f"cannot read {path}: {exc}") from None
        sizes.append(len(data))
        digest = hashlib.sha1(data).hexdigest()
        digests.add(digest)
        misnamed += digest != path.name
        histogram[_bucket(len(data))] += 1
    now = time.time()
    return {
        "directory": str(directory),
        "inputs": len(sizes),
        "unique": len(digests),
        "duplicates": len(sizes) - len(digests),
        "not_content_named": misnamed,
        "bytes": sum(sizes),
        "size_min": min(sizes, default=0),
        "size_median": int(statistics.median(sizes)) if sizes else 0,
        "size_max": max(sizes, default=0),
        "sizes": histogram,
        "newest_age_hours": round((now - max(mtimes)) / 3600, 2) if mtimes else None,
        "oldest_age_hours": round((now - min(mtimes)) / 3600, 2) if mtimes else None,
    }


def format_stats(stats: dict[str, Any]) -> str:
    """A few readable lines for the terminal."""
    sizes = ", ".join(f"{k}: {v}" for k, v in stats["sizes"].items() if v)
    age = ("" if stats["newest_age_hours"] is None else
           f"; newest {stats['newest_age_hours']:.1f} h, oldest {stats['oldest_age_hours']:.1f} h old")
    return (f"{stats['directory']}: {stats['inputs']} inputs ({stats['unique']} unique, "
            f"{stats['duplicates']} duplicates, {stats['not_content_named']} not named by content), "
            f"{stats['bytes']} bytes\n  sizes min {stats['size_min']} / median {stats['size_median']} / "
            f"max {stats['size_max']}" + (f" [{sizes}]" if sizes else "") + age)
