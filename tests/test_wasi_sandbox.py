"""Sandbox escapes and the no-panic sweep of every WASI import.

Escape tests try each way out of a preopen — ``..``, absolute paths, symlinks
(absolute, climbing, chains, loops), renames and hard links out, symlinks
created pointing out, a directory swapped for a symlink between calls — and
check both the errno (EPERM, as wasmtime answers) and that nothing outside
the preopen was read, created or changed.

The sweep calls every import thousands of times with seeded hostile
arguments (edge integers, pointers at and past the end of memory, random
paths mixing ``..``, ``/``, NULs and symlink names, random subscription and
iovec contents) and asserts that each call only ever returns an errno or
traps — never raises any other Python exception — and that the directory
outside the preopen is unchanged.
"""
from __future__ import annotations

import os
import random
import struct

import pytest

import runtime as rt
from runtime.wasi.abi import ENUMS, FLAGS, SIGNATURES
from runtime.wasi.errno import Errno
from wasi_support import Session, snapshot

R, P = 64, 1024


@pytest.fixture
def session():
    s = Session("runtime")
    yield s
    s.close()


def put(s: Session, text: str, at: int = P) -> tuple[int, int]:
    data = text.encode()
    s.write(at, data)
    return at, len(data)


ESCAPES = ["..", "../outside", "../sandbox/f.txt", "sub/../../outside", "/etc/passwd",
           "/", "escape_abs", "escape_abs/passwd", "escape_up", "sub/../escape_up",
           "link_to_sub/../../outside", "./../outside"]


@pytest.mark.parametrize("path", ESCAPES)
def test_open_escapes_are_eperm(session: Session, path: str) -> None:
    a, n = put(session, path)
    assert session.call("path_open", 3, 1, a, n, 0, 2, 0, 0, R) == ("ok", Errno.PERM)


@pytest.mark.parametrize("op", ["path_create_directory", "path_unlink_file",
                                "path_remove_directory"])
@pytest.mark.parametrize("path", ["../x", "/tmp/x", "escape_up/x", "escape_abs/x", "../outside"])
def test_mutations_cannot_escape(session: Session, op: str, path: str) -> None:
    before = snapshot(session.tmp)
    a, n = put(session, path)
    assert session.call(op, 3, a, n) == ("ok", Errno.PERM)
    assert snapshot(session.tmp) == before


def test_renames_and_links_out_are_refused(session: Session) -> None:
    before_outside = (session.tmp / "outside").read_bytes()
    for src, dst in (("f.txt", "../stolen"), ("../outside", "here"), ("sub", "escape_up/x"),
                     ("f.txt", "escape_abs/x")):
        a, n = put(session, src, P)
        b, m = put(session, dst, P + 256)
        assert session.call("path_rename", 3, a, n, 3, b, m) == ("ok", Errno.PERM)
        assert session.call("path_link", 3, 0, a, n, 3, b, m) == ("ok", Errno.PERM)
    assert not (session.tmp / "stolen").exists() and not (session.root / "here").exists()
    assert (session.tmp / "outside").read_bytes() == before_outside


def test_symlinks_created_pointing_out_cannot_be_followed(session: Session) -> None:
    a, n = put(session, "../outside", P)
    b, m = put(session, "out", P + 256)
    assert session.call("path_symlink", a, n, 3, b, m) == ("ok", 0)     # creating is allowed
    assert session.call("path_open", 3, 1, b, m, 0, 2, 0, 0, R) == ("ok", Errno.PERM)
    a, n = put(session, "/etc", P)
    assert session.call("path_symlink", a, n, 3, b, m) == ("ok", Errno.PERM)


def test_symlink_chains_and_loops(session: Session) -> None:
    root = session.root
    (root / "c1").symlink_to("c2")
    (root / "c2").symlink_to("sub/c3")
    (root / "sub" / "c3").symlink_to("../f.txt")
    (root / "x1").symlink_to("sub/x2")
    (root / "sub" / "x2").symlink_to("../../outside")
    for path, expect in (("c1", 0), ("x1", Errno.PERM), ("loop_a", Errno.LOOP)):
        a, n = put(session, path)
        assert session.call("path_open", 3, 1, a, n, 0, 2, 0, 0, R) == ("ok", expect), path
    a, n = put(session, "c1")
    session.call("path_open", 3, 1, a, n, 0, 2, 0, 0, R)
    fd = session.u32(R)
    session.write(512, struct.pack("<II", 2048, 64))
    assert session.call("fd_read", fd, 512, 1, R) == ("ok", 0)
    assert session.read(2048, 11) == b"hello world"


def test_directory_swapped_for_symlink_between_calls(session: Session) -> None:
    """An open directory fd stays inside even if its path is replaced by a link to outside."""
    a, n = put(session, "sub")
    assert session.call("path_open", 3, 0, a, n, 2, 0, 0, 0, R) == ("ok", 0)
    sub_fd = session.u32(R)
    os.rename(session.root / "sub", session.tmp / "moved_out")
    (session.root / "sub").symlink_to(session.tmp)
    b, m = put(session, "../outside", P + 256)
    assert session.call("path_open", sub_fd, 1, b, m, 0, 2, 0, 0, R) == ("ok", Errno.PERM)
    c, k = put(session, "sub/outside", P + 512)
    assert session.call("path_open", 3, 1, c, k, 0, 2, 0, 0, R) == ("ok", Errno.PERM)


def test_read_only_preopen_refuses_writes() -> None:
    s = Session("runtime", fs_mutable=False)
    try:
        before = s.files()
        a, n = put(s, "f.txt")
        assert s.call("path_open", 3, 0, a, n, 0, 0x40, 0, 0, R) == ("ok", Errno.PERM)
        assert s.call("path_open", 3, 0, a, n, 8, 2, 0, 0, R) == ("ok", Errno.PERM)
        assert s.call("path_unlink_file", 3, a, n) == ("ok", Errno.PERM)
        b, m = put(s, "newdir", P + 256)
        assert s.call("path_create_directory", 3, b, m) == ("ok", Errno.PERM)
        assert s.call("path_open", 3, 0, a, n, 0, 2, 0, 0, R) == ("ok", 0)
        assert s.files() == before
    finally:
        s.close()


# -- the no-panic sweep ---------------------------------------------------------------
EDGE32 = [0, 1, 2, 3, 4, 7, 8, 64, 1023, 4096, 65535, 65536, 65537, 0x7FFFFFFF, -1, -2,
          -0x80000000, 0x1000000, 0x1000001]
EDGE64 = [0, 1, -1, 1 << 62, -(1 << 63), (1 << 63) - 1, 1_000_000_000, 11, 4096]
PATHS = ["f.txt", "sub", "sub/inner.txt", "..", "../outside", "/", "/etc", "", ".", "a\0b",
         "link_to_sub/", "escape_abs", "escape_up/x", "loop_a", "dangling", "new", "new/",
         "sub/deeper/../../f.txt", "x" * 300, "link_to_f/", "sub//deeper"]


def _arg(rng: random.Random, kind: str, wide: bool) -> int:
    if kind in ENUMS or kind in FLAGS:
        bits, extent = ENUMS.get(kind) or FLAGS[kind]
        choice = rng.random()
        if choice < 0.7:
            return rng.randrange(extent + 1 if kind in ENUMS else extent + 1) & ((1 << 63) - 1)
        return rng.choice(EDGE64 if wide else EDGE32)
    if wide:
        return rng.choice(EDGE64) if rng.random() < 0.6 else rng.randrange(-(1 << 63), 1 << 63)
    choice = rng.random()
    if choice < 0.3:
        return rng.randrange(0, 12)                      # plausible fds and lengths
    if choice < 0.6:
        return rng.choice(EDGE32)
    return rng.randrange(0, 70000)


def _scribble(rng: random.Random, s: Session) -> None:
    """Fill low memory with iovecs, paths, subscriptions and noise the pointers may hit."""
    for at in range(0, 4096, 64):
        pick = rng.random()
        if pick < 0.3:
            s.write(at, struct.pack("<IIII", rng.randrange(0, 70000), rng.randrange(0, 300),
                                    rng.choice([0, 64, 65530, 8192]), rng.choice([0, 1, 5])))
        elif pick < 0.6:
            path = rng.choice(PATHS).encode()[:60]
            s.write(at, path + bytes(64 - len(path)))
        elif pick < 0.8:
            s.write(at, struct.pack("<QB7xIIQQH", rng.randrange(1 << 64), rng.randrange(5),
                                    rng.choice([0, 1, 2, 3, 99]), 0,
                                    rng.choice([0, 1000, 1 << 63]), 0, rng.randrange(4))
                    + bytes(16))
        else:
            s.write(at, bytes(rng.randrange(256) for _ in range(64)))


SLOW = {"poll_oneoff"}   # its clock subscriptions may ask for real sleeps: called with care below


@pytest.mark.parametrize("seed", range(4))
def test_no_wasi_call_raises_anything_but_errno_or_trap(seed: int) -> None:
    rng = random.Random(seed)
    s = Session("runtime")
    outside = _outside(s)
    names = sorted(SIGNATURES)
    outcomes: dict[str, set] = {}
    try:
        for i in range(1200):
            if i % 100 == 0:
                _scribble(rng, s)
            name = rng.choice(names)
            kinds, _ = SIGNATURES[name]
            args = [_arg(rng, k, k in ("u64", "s64", "rights")) for k in kinds]
            if name in SLOW:
                args[2] = rng.choice([0, 1, 2, 3, -1, 0x1000000])
                for at in range(args[0] & 0xFFFFFFFF, min((args[0] & 0xFFFFFFFF) + 48 * 4, 4096),
                                48):
                    s.write(at + 24, struct.pack("<Q", rng.choice([0, 1000])))
            if name == "proc_exit" or (name == "fd_renumber" and rng.random() < 0.8):
                continue
            try:
                out = s.exports[name](s.store, *args)
            except rt.Trap:
                out = "trap"
            outcomes.setdefault(name, set()).add(out if out == "trap" else "errno")
            assert out == "trap" or isinstance(out, int) and 0 <= out <= 76, (name, args, out)
    finally:
        after = _outside(s)
        s.close()
    assert after == outside
    assert len(outcomes) > 30 and any("trap" in o for o in outcomes.values())
    assert any("errno" in o for o in outcomes.values())


def _outside(s: Session) -> dict:
    """Everything next to the sandbox, stdio files excluded."""
    return {k: v for k, v in snapshot(s.tmp).items()
            if not k.startswith("sandbox") and k not in ("stdout", "stderr")}
