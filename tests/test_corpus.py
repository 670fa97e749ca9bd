"""fuzzrt corpus: union by content, libFuzzer coverage merge/minimize (atomic), stats, the CLI."""
from __future__ import annotations

import hashlib
import json
import shlex
import sys
from pathlib import Path

import pytest

from fuzzrt.cli import main as cli_main
from fuzzrt.corpus import CorpusError, corpus_stats, coverage_merge, input_name, minimize, union
from fuzzrt.corpus.launch import relaunch_command


def _corpus(path: Path, inputs: list[bytes], content_names: bool = True) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(inputs):
        (path / (input_name(data) if content_names else f"input-{i}")).write_bytes(data)
    return path


def test_union_dedups_by_content_and_skips_long_inputs(tmp_path: Path):
    a = _corpus(tmp_path / "a", [b"one", b"two", b"x" * 50])
    b = _corpus(tmp_path / "b", [b"two", b"three"], content_names=False)
    (b / ".hidden").write_bytes(b"ignored")
    (b / "subdir").mkdir()
    result = union(tmp_path / "out", [a, b], max_len=10)
    assert (result.added, result.duplicates, result.too_long) == (3, 1, 1)
    assert result.sources == {str(a): 3, str(b): 2}
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(hashlib.sha1(d).hexdigest() for d in (b"one", b"two", b"three"))
    again = union(tmp_path / "out", [a], max_len=10)
    assert (again.added, again.duplicates) == (0, 2)
    with pytest.raises(CorpusError, match="not a corpus directory"):
        union(tmp_path / "out", [tmp_path / "missing"])


def test_stats(tmp_path: Path):
    corpus = _corpus(tmp_path / "c", [b"", b"abc", b"y" * 300])
    (corpus / "copy-of-abc").write_bytes(b"abc")
    stats = corpus_stats(corpus)
    assert (stats["inputs"], stats["unique"], stats["duplicates"], stats["not_content_named"]) == (4, 3, 1, 1)
    assert (stats["bytes"], stats["size_min"], stats["size_max"]) == (306, 0, 300)
    assert stats["sizes"]["0-15"] == 3 and stats["sizes"]["256-1023"] == 1
    assert stats["newest_age_hours"] is not None
    empty = corpus_stats(_corpus(tmp_path / "e", []))
    assert empty["inputs"] == 0 and empty["newest_age_hours"] is None


def test_launcher_command_restarts_the_same_script():
    command = relaunch_command("/x y/targets/validate.py")
    assert shlex.split(command) == [sys.executable, "-m", "fuzzrt.corpus.launch", "/x y/targets/validate.py"]


def test_minimize_keeps_a_coverage_preserving_subset_in_place(tmp_path: Path):
    # many inputs that reach the same few behaviours of the validate target (mostly malformed modules),
    # plus a valid module; libFuzzer keeps at most one input per new feature set
    inputs = [bytes([i]) * 3 for i in range(40)] + [b"\0asm\1\0\0\0"] + [b"\0asm\1\0\0\0\0"]
    corpus = _corpus(tmp_path / "validate", inputs)
    before, after = minimize("validate", corpus, timeout=300)
    assert before == 42 and 0 < after < before
    kept = {p.name for p in corpus.iterdir()}
    assert len(kept) == after and kept <= {input_name(d) for d in inputs}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no scratch left behind
    # -o writes elsewhere and leaves the input corpus alone (a minimal corpus stays as it is);
    # it refuses a non-empty output
    out = tmp_path / "out"
    assert minimize("validate", corpus, out, timeout=300) == (after, after)
    assert {p.name for p in out.iterdir()} == kept == {p.name for p in corpus.iterdir()}
    with pytest.raises(CorpusError, match="must be empty"):
        minimize("validate", corpus, out)
    # an empty corpus is minimized without starting libFuzzer
    assert minimize("validate", _corpus(tmp_path / "empty", [])) == (0, 0)
    with pytest.raises(KeyError):
        coverage_merge("no-such-target", tmp_path / "x", [corpus])


def test_cli(tmp_path: Path, capsys):
    a = _corpus(tmp_path / "a", [b"1", b"2"])
    assert cli_main(["corpus", "merge", str(tmp_path / "m"), str(a), str(a)]) == 0
    assert "2 inputs added, 2 already there" in capsys.readouterr().out
    assert cli_main(["corpus", "stats", "--json", str(tmp_path / "m")]) == 0
    assert json.loads(capsys.readouterr().out)["inputs"] == 2
    assert cli_main(["corpus", "stats", str(tmp_path / "m"), str(a)]) == 0
    assert capsys.readouterr().out.count("2 inputs") == 2
    assert cli_main(["corpus", "stats", str(tmp_path / "missing")]) == 2
    assert cli_main(["corpus", "minimize", str(a), "--target", "nope"]) == 2
    assert "unknown target" in capsys.readouterr().err
