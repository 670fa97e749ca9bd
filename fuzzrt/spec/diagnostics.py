"""One-line summaries of unexpected exceptions, for reports that must stay readable."""
from __future__ import annotations

import traceback

#: how many innermost frames a summary quotes
TRACEBACK_FRAMES = 3


def summarize_exception(exc: BaseException) -> str:
    """Exception type and text, then the innermost frames (file:line in func)."""
    frames = traceback.extract_tb(exc.__traceback__)[-TRACEBACK_FRAMES:]
    where = " <- ".join(f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in reversed(frames))
    text = f"{type(exc).__name__}: {exc}"
    return f"{text} [at {where}]" if where else text
