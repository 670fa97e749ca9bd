"""Writing a report's three files, each atomically, so a reader never sees half a report."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .html import render_html
from .markdown import render_markdown

JSON_NAME = "report.json"
HTML_NAME = "report.html"
MD_NAME = "report.md"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_report(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.html and report.md into ``out_dir``; their paths by format."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / JSON_NAME, "html": out_dir / HTML_NAME, "md": out_dir / MD_NAME}
    _write(paths["json"], json.dumps(report, indent=1) + "\n")
    _write(paths["html"], render_html(report, out_dir.resolve()))
    _write(paths["md"], render_markdown(report))
    return paths
