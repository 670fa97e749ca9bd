"""report.html and report.md: self-contained, well-formed, with the charts and the numbers of the report.

The page is parsed with html.parser (tags balanced, no scripts, nothing
fetched from elsewhere, one chart per campaign series) and, when a Chromium
is installed (Debian package ``chromium``), rendered headless to a screenshot
that must not be blank.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import campaign_summary, spec_results, tally, write_artifact, write_json

from fuzzrt.report import build_report, load, write_report
from fuzzrt.report.findings import Triage
from fuzzrt.report.svg import format_number, line_chart, nice_ceiling

SIG = "differential/differential/result/call 0 f: <i32> & results differ"
VOID = {"meta", "br", "rect", "line", "circle", "polyline", "img", "input", "link"}


class PageParser(HTMLParser):
    """Collects tags, checks nesting, and notes anything that would load from elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: dict[str, int] = {}
        self.external: list[str] = []
        self.hrefs: list[str] = []
        self.polylines: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        attributes = dict(attrs)
        for key in ("src", "href", "xlink:href"):
            value = attributes.get(key) or ""
            if "://" in value or value.startswith("//"):
                self.external.append(value)
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if tag == "polyline":
            self.polylines.append(attributes.get("points", ""))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def report_dir(tmp_path: Path) -> Path:
    artifacts = tmp_path / "work" / "artifacts"
    write_artifact(artifacts, "diff-1", SIG, "runtime <1> vs wasmtime <2>")
    timeline = [{"t": float(t), "execs": 40 * t, "coverage": 300 + 5 * t, "findings": t // 3,
                 "unique_findings": 1 if t > 4 else 0, "inconclusive": 0} for t in range(0, 21)]
    inputs = load([
        write_json(tmp_path / "spec.json", spec_results(
            {"i32.wast": {"assert_return": tally(passed=10, failed=1)}},
            failures=[{"file": "i32.wast", "line": 3, "command": "assert_return", "reason": "got <b>1</b>"}])),
        write_json(tmp_path / "c1.json", campaign_summary("differential", {SIG: 4}, artifacts, timeline=timeline)),
        write_json(tmp_path / "c2.json", campaign_summary("validate")),
    ])
    report = build_report(inputs, baseline={"i32.wast": 11}, baseline_source="tests/spec_baseline.json",
                          triage=Triage(set(), set()))
    out = tmp_path / "out" / "report"
    write_report(report, out)
    return out


def test_html_is_well_formed_self_contained_and_has_the_charts(report_dir: Path):
    html = (report_dir / "report.html").read_text()
    parser = PageParser()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert parser.external == []
    assert parser.tags["style"] == 1
    # 3 charts per campaign (execs, coverage, unique findings), one spec chart, no coverage chart
    assert parser.tags["svg"] == 2 * 3 + 1
    # the campaign with a timeline has drawn series; the one without shows "no samples"
    assert sum(1 for p in parser.polylines if len(p.split()) > 10) == 3
    assert "no samples" in "".join(parser.text)
    text = " ".join(parser.text)
    assert "got <b>1</b>" in text              # failure reasons are escaped, shown as text
    assert SIG in text and "runtime <1> vs wasmtime <2>" in text
    assert "python3 -m fuzzrt repro" in text
    # the artifact link is relative to the page, so it survives downloading the directory
    artifact_links = [h for h in parser.hrefs if h.endswith("artifact.json")]
    assert artifact_links == ["../../work/artifacts/diff-1/artifact.json"]
    assert (report_dir / artifact_links[0]).resolve().is_file()


def test_markdown_has_the_tables(report_dir: Path):
    md = (report_dir / "report.md").read_text()
    assert "# fuzzrt report" in md
    assert "| assert_return | 10 | 1 | 0 | 0 |" in md
    assert "below it: `i32.wast`" in md
    assert "| differential | atheris | 1 | 20 | 1,000 | 50.0 |" in md
    assert "**new**" in md and SIG.replace("|", "\\|") in md
    assert "_Not measured._" in md


def test_chart_helpers():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 7, 12, 230, 999)] == [1, 0.5, 1, 10, 20, 250, 1000]
    assert [format_number(v) for v in (5, 0.25, 1500, 2_000_000)] == ["5", "0.25", "1.5k", "2M"]
    svg = line_chart([(0, 0), (5, 1), (10, 1)], title="unique findings", step=True)
    # a step chart holds each value until the next sample: 3 samples -> 5 vertices
    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 5 and points[1].split(",")[1] == points[0].split(",")[1]


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    """(width, height, raw scanlines) of a PNG, enough to tell a blank page from a drawn one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def _chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium installed (Debian: apt-get install chromium)")
def test_html_renders_in_headless_chromium(report_dir: Path, tmp_path: Path):
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1600", f"--screenshot={shot}",
         (report_dir / "report.html").as_uri()],
        capture_output=True, timeout=120, check=False)
    assert shot.is_file(), proc.stderr.decode(errors="replace")[-2000:]
    width, height, raw = _png_pixels(shot)
    assert (width, height) == (1200, 1600)
    # a rendered page has text, tables and coloured charts: many distinct byte values, not a blank canvas
    assert len(set(raw)) > 64
