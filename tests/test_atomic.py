"""Atomic writes and the journal (briefgen.atomic): a file is never seen half-written."""

from __future__ import annotations

import json

from briefgen.atomic import Change, _bytes, _journal_pieces, write_atomic


def test_a_file_written_in_pieces_holds_all_of_them_and_no_temporary_is_left(tmp_path):
    target = tmp_path / "deep" / "file.json"
    write_atomic(target, (bytes([n]) * 1000 for n in range(200)))
    assert target.read_bytes() == b"".join(bytes([n]) * 1000 for n in range(200))
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_the_journal_is_streamed_as_json_that_gives_back_every_change_byte_for_byte():
    changes = [Change("briefings/a.yaml", "title: Café\n".encode() + b"\xff", None),
               Change("briefings/merge-records/a.json", None, b"{}"),
               Change(f"briefings/{'x' * 300}.yaml", b"new\n" * 5000, b"old\n")]
    record = json.loads(b"".join(_journal_pieces(changes)))
    assert [(c["path"], _bytes(c["data"]), _bytes(c["before"])) for c in record["changes"]] == \
        [(c.path, c.data, c.before) for c in changes]
