"""Run an Atheris target script so that libFuzzer can start copies of it.

libFuzzer's ``-merge=1`` (and ``-fork``) re-runs the fuzzer as a shell
command built from its own ``argv[0]``.  For a Python script that is the
script's path, which is not executable on its own.  This launcher, run as
``python -m fuzzrt.corpus.launch SCRIPT ARGS...``, executes SCRIPT as
``__main__`` with ``argv[0]`` set to the complete command line that starts
it again through this launcher, so libFuzzer's copies come up the same way.
"""
from __future__ import annotations

import os
import shlex
import sys

MODULE = "fuzzrt.corpus.launch"


def relaunch_command(script: str) -> str:
    """The shell command that runs ``script`` through this launcher with this interpreter."""
    return " ".join(shlex.quote(part) for part in (sys.executable, "-m", MODULE, script))


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(f"usage: python -m {MODULE} SCRIPT [libFuzzer args...]", file=sys.stderr)
        return 2
    script = os.path.abspath(argv[1])
    try:
        with open(script, "rb") as f:
            code = compile(f.read(), script, "exec")
    except OSError as exc:
        print(f"{MODULE}: cannot read {script}: {exc}", file=sys.stderr)
        return 2
    # what `python SCRIPT ARGS` would set up, except argv[0]
    sys.argv = [relaunch_command(script), *argv[2:]]
    sys.path[0] = os.path.dirname(script)
    exec(code, {"__name__": "__main__", "__file__": script, "__builtins__": __builtins__})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
