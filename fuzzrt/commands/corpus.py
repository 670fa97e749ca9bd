"""``fuzzrt corpus merge|minimize|stats``: libFuzzer corpus directories."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "corpus", help="merge, minimize and inspect libFuzzer corpus directories",
        description="Corpus tools. Inputs are files named by the SHA-1 of their content, as libFuzzer saves them.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    merge = actions.add_parser(
        "merge", help="merge corpora into one",
        description="Copy the inputs of IN... into OUT. Without --target: every distinct input (union by "
                    "content). With --target: only inputs that add coverage of that target (libFuzzer -merge=1).")
    merge.add_argument("out", type=Path, metavar="OUT")
    merge.add_argument("sources", type=Path, nargs="+", metavar="IN")
    merge.add_argument("--target", help="merge by coverage of this fuzz target (`fuzzrt targets`)")
    merge.add_argument("--max-len", type=int, default=4096, metavar="BYTES",
                       help="drop inputs longer than this (default 4096, the campaigns' -max_len)")
    merge.set_defaults(handler=run_merge)

    minimize = actions.add_parser(
        "minimize", help="keep only inputs that add coverage",
        description="Minimize DIR for TARGET with libFuzzer -merge=1: the smallest inputs that together reach "
                    "the same coverage. In place (atomically) unless -o is given.")
    minimize.add_argument("corpus", type=Path, metavar="DIR")
    minimize.add_argument("--target", required=True, help="fuzz target whose coverage counts")
    minimize.add_argument("-o", "--out", type=Path, metavar="OUT", help="write the minimized corpus here instead")
    minimize.add_argument("--max-len", type=int, default=4096, metavar="BYTES", help="libFuzzer -max_len")
    minimize.set_defaults(handler=run_minimize)

    stats = actions.add_parser("stats", help="inputs, sizes, ages, duplicates of corpus directories")
    stats.add_argument("corpora", type=Path, nargs="+", metavar="DIR")
    stats.add_argument("--json", action="store_true", help="print JSON instead of text")
    stats.set_defaults(handler=run_stats)


def _fail(exc: Exception) -> int:
    print(f"fuzzrt corpus: {exc.args[0] if exc.args else exc}", file=sys.stderr)
    return 2


def run_merge(args: argparse.Namespace) -> int:
    from fuzzrt.corpus import CorpusError, coverage_merge, union

    try:
        if args.target:
            result = coverage_merge(args.target, args.out, args.sources, args.max_len)
            print(f"{args.out}: {result.kept} inputs added ({result.features} new coverage features)")
        else:
            union_result = union(args.out, args.sources, args.max_len)
            print(f"{args.out}: {union_result.added} inputs added, {union_result.duplicates} already there, "
                  f"{union_result.too_long} longer than {args.max_len} bytes skipped")
    except (CorpusError, KeyError) as exc:
        return _fail(exc)
    return 0


def run_minimize(args: argparse.Namespace) -> int:
    from fuzzrt.corpus import CorpusError, minimize

    try:
        before, after = minimize(args.target, args.corpus, args.out, args.max_len)
    except (CorpusError, KeyError) as exc:
        return _fail(exc)
    print(f"{args.out or args.corpus}: {after} inputs kept of {before}")
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from fuzzrt.corpus import CorpusError, corpus_stats, format_stats

    try:
        stats = [corpus_stats(d) for d in args.corpora]
    except CorpusError as exc:
        return _fail(exc)
    if args.json:
        print(json.dumps(stats if len(stats) > 1 else stats[0], indent=1))
    else:
        print("\n".join(format_stats(s) for s in stats))
    return 0
