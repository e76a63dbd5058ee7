"""Atomic writes and the journal (briefgen.atomic): a file is never seen half-written."""

from __future__ import annotations

import json

import pytest

from briefgen import atomic
from briefgen.atomic import (
    Change,
    Journal,
    _bytes,
    _journal_pieces,
    sha256,
    stage,
    write_atomic,
)


def test_a_file_written_in_pieces_holds_all_of_them_and_no_temporary_is_left(tmp_path):
    target = tmp_path / "deep" / "file.json"
    write_atomic(target, (bytes([n]) * 1000 for n in range(200)))
    assert target.read_bytes() == b"".join(bytes([n]) * 1000 for n in range(200))
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_the_journal_keeps_old_bytes_exactly_and_only_a_hash_of_the_new():
    changes = [Change("briefings/a.yaml", "title: Café\n".encode() + b"\xff", None),
               Change("briefings/merge-records/a.json", None, b"{}\xfe"),
               Change(f"briefings/{'x' * 300}.yaml", b"new\n" * 5000, b"old\n")]
    journal = b"".join(_journal_pieces(changes))
    assert b"new\n" not in journal  # a first build journals names and hashes, not its files
    record = json.loads(journal)
    assert [(c["path"], _bytes(c["before"]), c["after"]) for c in record["changes"]] == \
        [(c.path, c.before, c.data and sha256(c.data)) for c in changes]


def _killed_midway(tmp_path, changes: list[Change], applied: int) -> Journal:
    """A commit stopped after its journal and the first ``applied`` changes."""
    root = tmp_path / "files"
    for change in changes:
        if change.before is not None:
            write_atomic(root / change.path, change.before)
    journal = Journal(root, root / "journal.json")
    write_atomic(journal.path, _journal_pieces(changes))
    for change in changes[:applied]:
        if change.data is None:
            (root / change.path).unlink()
        else:
            write_atomic(root / change.path, change.data)
    return journal


def test_a_killed_group_is_undone_and_a_file_edited_since_keeps_the_edit(tmp_path):
    changes = [Change("a.yaml", b"a new", b"a old"), Change("gone.json", None, b"kept"),
               Change("created.yaml", b"fresh", None), Change("b.yaml", b"b new", b"b old"),
               Change("c.yaml", b"c new", b"c old")]
    journal = _killed_midway(tmp_path, changes, applied=4)
    (journal.root / "c.yaml").write_bytes(b"c edited by hand")  # an editor, after the crash
    assert journal.pending_view() == {"a.yaml": b"a old", "gone.json": b"kept",
                                      "created.yaml": None, "b.yaml": b"b old"}
    journal.replay()
    assert {p.name: p.read_bytes() for p in journal.root.iterdir()} == \
        {"a.yaml": b"a old", "gone.json": b"kept", "b.yaml": b"b old", "c.yaml": b"c edited by hand"}


def test_a_journal_of_the_earlier_kind_is_undone_too(tmp_path):
    changes = [Change("a.yaml", b"a new", b"a old"), Change("b.yaml", b"b new", b"b old")]
    journal = _killed_midway(tmp_path, changes, applied=1)
    journal.path.write_text(json.dumps({"version": 1, "changes": [
        {"path": c.path, "data": c.data.decode(), "before": c.before.decode()} for c in changes]}))
    journal.replay()
    assert {p.name: p.read_bytes() for p in journal.root.iterdir()} == {"a.yaml": b"a old", "b.yaml": b"b old"}


def test_staged_files_are_journalled_by_hash_and_renamed_into_place(tmp_path):
    root = tmp_path / "files"
    write_atomic(root / "a.yaml", b"a old")
    journal = Journal(root, root / "journal.json")
    changes = [Change("a.yaml", stage(root / "a.yaml", b"a new"), b"a old"),
               Change("deep/b.yaml", stage(root / "deep" / "b.yaml", b"b new"), None),
               Change("c.yaml", b"c new", None)]
    assert (root / "a.yaml").read_bytes() == b"a old"  # staged: not in place before the commit
    write_atomic(root / "a.yaml", b"a old")  # as undoing a killed run does meanwhile
    entries = json.loads(b"".join(_journal_pieces(changes)))["changes"]
    assert [e["after"] for e in entries] == [sha256(b"a new"), sha256(b"b new"), sha256(b"c new")]
    journal.commit(changes)
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == ["a.yaml", "c.yaml", "deep", "deep/b.yaml"]
    assert [(root / n).read_bytes() for n in ("a.yaml", "deep/b.yaml", "c.yaml")] == [b"a new", b"b new", b"c new"]


def test_a_commit_stopped_part_way_leaves_no_staged_file_and_is_undone(tmp_path, monkeypatch):
    root = tmp_path / "files"
    write_atomic(root / "a.yaml", b"a old")
    journal = Journal(root, root / "journal.json")
    changes = [Change(name, stage(root / name, b"new " + name.encode()), None) for name in ("b.yaml", "c.yaml")]
    changes.insert(0, Change("a.yaml", stage(root / "a.yaml", b"a new"), b"a old"))
    real, calls = atomic.os.replace, []

    def stopped(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # the journal and a.yaml are in place
            raise KeyboardInterrupt("killed")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", stopped)
    with pytest.raises(KeyboardInterrupt):
        journal.commit(changes)
    assert sorted(p.name for p in root.iterdir()) == ["a.yaml", "journal.json"]
    journal.replay()
    assert {p.name: p.read_bytes() for p in root.iterdir()} == {"a.yaml": b"a old"}


def test_a_small_group_flushes_its_own_files_and_a_large_one_the_whole_disk(tmp_path, monkeypatch):
    synced, flushed = [], []
    real_fsync = atomic.os.fsync
    monkeypatch.setattr(atomic.os, "sync", lambda: synced.append(True))
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: flushed.append(atomic.os.fstat(fd).st_ino) or real_fsync(fd))
    root = tmp_path / "files"
    write_atomic(root / "gone.yaml", b"old")
    journal = Journal(root, root / "journal.json")
    flushed.clear()
    journal.commit([Change("a.yaml", stage(root / "a.yaml", b"a"), None), Change("sub/b.yaml", b"b", None),
                    Change("gone.yaml", None, b"old")])
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*.yaml")) == ["a.yaml", "sub/b.yaml"]
    written = [(root / name).stat().st_ino for name in ("a.yaml", "sub/b.yaml", "sub", ".")]
    assert not synced and set(written) <= set(flushed)  # each file and each folder it is in
    many = [Change(f"many/{n}.yaml", b"x", None) for n in range(atomic.FLUSH_EACH_MAX + 1)]
    journal.commit(many)
    assert synced == [True]
