"""fuzzrt report: the schema (code, committed JSON Schema, docs), building, triage, merging, inputs, CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_fixtures import campaign_summary, spec_results, tally, write_artifact, write_json

from fuzzrt.cli import main as cli_main
from fuzzrt.report import build_report, check_report, load
from fuzzrt.report.build import ReportError
from fuzzrt.report.findings import Triage, load_known
from fuzzrt.report.inputs import InputError
from fuzzrt.report.schema import SCHEMA, schema_text
from fuzzrt.report.validation import SchemaError, validate

REPO = Path(__file__).resolve().parents[1]
NO_TRIAGE = Triage(set(), set())

SIG_A = "differential/differential/result/call 0 f: i32 results differ"
SIG_B = "validate/validation/disagree/runtime rejects"
SIG_C = "instantiate/no-panic/panic/KeyError@instantiate@runtime/api/instance.py:__init__"


# -- schema -----------------------------------------------------------------------------------------
def test_committed_json_schema_is_the_code_schema():
    assert (REPO / "docs" / "report.schema.json").read_text() == schema_text()


def test_schema_doc_describes_every_field():
    doc = (REPO / "docs" / "report-schema.md").read_text()
    defs = SCHEMA["$defs"]
    names = set(SCHEMA["properties"])
    for definition in ("run", "spec", "spec_file", "baseline", "campaign", "sample", "finding", "code_coverage",
                       "environment", "tally"):
        names |= set(defs[definition]["properties"])
    missing = sorted(name for name in names if f"`{name}`" not in doc)
    assert not missing, f"docs/report-schema.md does not mention {missing}"


def test_validator_checks_types_required_extra_enum_and_nullable_refs():
    schema = {"type": "object", "properties": {
        "n": {"type": "integer", "minimum": 0},
        "s": {"enum": ["a", "b"]},
        "o": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/pt"}]},
    }, "required": ["n"], "additionalProperties": False,
        "$defs": {"pt": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}}}
    assert validate({"n": 1, "s": "a", "o": None}, schema) == []
    assert validate({"n": 1, "o": {"x": 2.5}}, schema) == []
    assert validate({"n": True}, schema) == ["$.n: expected integer, got bool"]
    assert validate({"n": -1}, schema) == ["$.n: -1 is below the minimum 0"]
    assert validate({}, schema) == ["$: missing required property 'n'"]
    assert validate({"n": 0, "z": 1}, schema) == ["$: unexpected property 'z'"]
    assert validate({"n": 0, "s": "c"}, schema) == ["$.s: 'c' is not one of ['a', 'b']"]
    # a wrong object under a nullable ref reports what is wrong inside it, not "expected null"
    assert validate({"n": 0, "o": {"x": "no"}}, schema) == ["$.o.x: expected number, got str"]
    assert validate({"n": 0, "o": 3}, schema) == ["$.o: int matches no alternative of anyOf"]
    with pytest.raises(SchemaError, match="pattern"):
        validate("x", {"pattern": "a+"})
    with pytest.raises(SchemaError, match="undefined"):
        validate(1, {"$ref": "#/$defs/nope", "$defs": {}})


# -- building ------------------------------------------------------------------------------------------
@pytest.fixture
def results(tmp_path: Path) -> dict[str, Path]:
    artifacts = tmp_path / "artifacts"
    write_artifact(artifacts, "differential-a", SIG_A, "call 0 f: runtime 1, wasmtime 2")
    spec = spec_results(
        {"i32.wast": {"assert_return": tally(passed=10, failed=1), "module": tally(passed=1)},
         "f32.wast": {"assert_return": tally(passed=5), "assert_malformed": tally(text=2)},
         "simd_x.wast": {"assert_return": tally(skipped=4)}},
        failures=[{"file": "i32.wast", "line": 42, "command": "assert_return", "reason": "got 1, expected 2"}],
        status={"simd_x.wast": "skipped"})
    timeline = [{"t": 0.0, "execs": 0, "coverage": 0, "findings": 0, "unique_findings": 0, "inconclusive": 0},
                {"t": 10.0, "execs": 600, "coverage": 400, "findings": 3, "unique_findings": 1, "inconclusive": 5}]
    return {
        "spec": write_json(tmp_path / "spec.json", spec),
        "diff": write_json(tmp_path / "diff.json", campaign_summary(
            "differential", {SIG_A: 3}, artifacts, timeline=timeline)),
        "validate": write_json(tmp_path / "validate.json", campaign_summary("validate", {SIG_B: 2})),
        "artifacts": artifacts,
    }


def test_report_from_spec_results_and_campaigns(results):
    report = build_report(load([results["spec"], results["diff"], results["validate"]]),
                          baseline={"i32.wast": 12, "f32.wast": 4, "gone.wast": 3}, baseline_source="b.json",
                          triage=Triage(known={SIG_B}, regressions=set()))
    assert check_report(report) == []
    spec = report["spec"]
    assert spec["total"] == tally(passed=16, failed=1, text=2, skipped=4)
    assert spec["by_command"]["assert_return"] == tally(passed=15, failed=1, skipped=4)
    assert spec["pass_rate"] == pytest.approx(16 / 17, abs=1e-6)
    files = {f["name"]: f for f in spec["files"]}
    assert (files["i32.wast"]["baseline"], files["i32.wast"]["delta"]) == (12, -1)
    assert (files["f32.wast"]["delta"], files["simd_x.wast"]["delta"]) == (1, None)
    assert files["i32.wast"]["failures"] == [{"line": 42, "command": "assert_return", "reason": "got 1, expected 2"}]
    assert spec["baseline"] == {"source": "b.json", "passed": 16, "baseline": 16, "delta": 0,
                                "below": ["i32.wast"], "above": ["f32.wast"], "unrecorded": []}

    diff, validate_campaign = report["campaigns"]
    assert (diff["target"], diff["execs"], diff["execs_per_sec"], diff["unique_findings"]) == \
        ("differential", 1000, 50.0, 1)
    assert diff["timeline"][-1]["execs"] == 600 and validate_campaign["timeline"] == []
    by_sig = {f["signature"]: f for f in report["findings"]}
    assert by_sig[SIG_A]["status"] == "new" and by_sig[SIG_B]["status"] == "known"
    assert by_sig[SIG_A]["artifact"] == str(results["artifacts"] / "differential-a")
    assert by_sig[SIG_A]["repro"] == f"python3 -m fuzzrt repro {results['artifacts'] / 'differential-a'}"
    assert by_sig[SIG_A]["message"] == "call 0 f: runtime 1, wasmtime 2"
    assert (by_sig[SIG_B]["artifact"], by_sig[SIG_B]["oracle"], by_sig[SIG_B]["kind"]) == \
        (None, "validation", "disagree")
    # new findings are listed before known ones
    assert [f["status"] for f in report["findings"]] == ["new", "known"]
    # results given without a run are attributed to one local run with this machine's environment
    assert len(report["runs"]) == 1 and report["runs"][0]["environment"]["python"]


def test_regressions_come_first_and_are_recognised_from_artifacts(tmp_path: Path):
    fixed = tmp_path / "regressions"
    write_artifact(fixed, "old-bug", SIG_C)
    triage = Triage.load(known_file=tmp_path / "absent.txt", regressions_dir=fixed)
    summary = write_json(tmp_path / "c.json", campaign_summary("instantiate", {SIG_C: 1, SIG_A: 5}))
    report = build_report(load([summary]), triage=triage)
    assert [(f["signature"], f["status"]) for f in report["findings"]] == [(SIG_C, "regression"), (SIG_A, "new")]


def test_known_findings_file_skips_comments_and_blank_lines(tmp_path: Path):
    path = tmp_path / "known.txt"
    path.write_text(f"# comment\n\n  {SIG_A}  \n# {SIG_B}\n")
    assert load_known(path) == {SIG_A}
    assert load_known(tmp_path / "absent") == set()


def test_reports_merge_spec_files_campaigns_findings_and_coverage(tmp_path: Path):
    cov1 = {"runtime/jit/a.py": {"statements": 10, "executed": "1-4"},
            "runtime/api/b.py": {"statements": 5, "executed": "2"}}
    cov2 = {"runtime/jit/a.py": {"statements": 10, "executed": "3-6,9"}}

    def code(files):
        from fuzzrt.report.codecov import summarize
        return {**summarize(files), "files": files}

    first = build_report(load([
        write_json(tmp_path / "r1/spec.json", spec_results({"a.wast": {"module": tally(passed=1, failed=1)},
                                                           "b.wast": {"module": tally(passed=2)}})),
        write_json(tmp_path / "r1/c.json", campaign_summary("differential", {SIG_A: 2}, code_coverage=code(cov1))),
    ]), triage=NO_TRIAGE)
    out1 = write_json(tmp_path / "one" / "report.json", first)
    second = build_report(load([
        write_json(tmp_path / "r2/spec.json", spec_results({"a.wast": {"module": tally(passed=2)}})),
        write_json(tmp_path / "r2/c.json", campaign_summary("differential", {SIG_A: 3, SIG_B: 1},
                                                          code_coverage=code(cov2))),
    ]), triage=NO_TRIAGE)
    second["runs"][0]["id"] = "second-run"        # two different runs (the ids embed the time)
    for campaign in second["campaigns"]:
        campaign["run"] = "second-run"
        campaign["id"] = "second-run/" + campaign["target"]
    second["spec"]["files"][0]["run"] = "second-run"
    out2 = write_json(tmp_path / "two" / "report.json", second)

    merged = build_report(load([out1.parent, out2]), triage=NO_TRIAGE)
    assert check_report(merged) == []
    assert len(merged["runs"]) == 2 and len(merged["campaigns"]) == 2
    files = {f["name"]: f for f in merged["spec"]["files"]}
    assert files["a.wast"]["passed"] == 2 and files["a.wast"]["run"] == "second-run"   # the later result wins
    assert files["b.wast"]["passed"] == 2
    assert merged["spec"]["total"] == tally(passed=4)
    hits = {f["signature"]: f["hits"] for f in merged["findings"]}
    assert hits == {SIG_A: 5, SIG_B: 1}
    cov = merged["code_coverage"]
    assert cov["files"]["runtime/jit/a.py"] == {"statements": 10, "executed": "1-6,9"}
    assert cov["packages"]["runtime/jit"] == {"statements": 10, "covered": 7, "percent": 70.0}
    assert cov["total"] == {"statements": 15, "covered": 8, "percent": pytest.approx(53.33)}
    # merging the same report twice changes nothing
    again = build_report(load([out1, out1]), triage=NO_TRIAGE)
    assert len(again["campaigns"]) == 1 and again["findings"][0]["hits"] == 2


def test_bad_inputs_are_refused_with_the_file_named(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        load([tmp_path / "missing.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="bad.json"):
        load([bad])
    other = write_json(tmp_path / "other.json", {"hello": 1})
    with pytest.raises(InputError, match="not a report"):
        load([other])
    broken = build_report(load([write_json(tmp_path / "c.json", campaign_summary("validate"))]), triage=NO_TRIAGE)
    broken["campaigns"][0]["execs"] = -5
    with pytest.raises(InputError, match=r"campaigns\[0\]\.execs"):
        load([write_json(tmp_path / "r" / "report.json", broken)])
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no report.json"):
        load([tmp_path / "empty"])
    negative = write_json(tmp_path / "neg.json", campaign_summary("validate", execs=-1))
    with pytest.raises(ReportError, match="execs"):
        build_report(load([negative]), triage=NO_TRIAGE)


# -- CLI --------------------------------------------------------------------------------------------------
def test_cli_fail_on_new_known_and_schema(results, tmp_path: Path, capsys):
    out = tmp_path / "report"
    args = ["report", "--from", str(results["spec"]), str(results["diff"]), "--out", str(out),
            "--artifacts", str(results["artifacts"]), "--baseline", str(tmp_path / "nobaseline.json")]
    assert cli_main(args) == 2       # the baseline file does not exist
    write_json(tmp_path / "base.json", {"passed": {"i32.wast": 11}})
    args[-1] = str(tmp_path / "base.json")
    known = tmp_path / "known.txt"
    known.write_text("")
    assert cli_main(args + ["--known", str(known)]) == 0
    assert cli_main(args + ["--known", str(known), "--fail-on-new"]) == 1
    assert "new: " + SIG_A in capsys.readouterr().out
    known.write_text(SIG_A + "\n")
    assert cli_main(args + ["--known", str(known), "--fail-on-new"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["findings"][0]["status"] == "known"
    assert {p.name for p in out.iterdir()} >= {"report.json", "report.html", "report.md"}
    # a spec file below its baseline fails the report
    write_json(tmp_path / "base.json", {"passed": {"i32.wast": 12}})
    assert cli_main(args + ["--known", str(known)]) == 1
    capsys.readouterr()
    assert cli_main(["report", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(schema_text())
