"""Atomic writes and the journal (briefgen.atomic): a file is never seen half-written."""

from __future__ import annotations

import json

from briefgen.atomic import (
    Change,
    Journal,
    _bytes,
    _journal_pieces,
    sha256,
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
