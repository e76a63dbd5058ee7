"""Crash-safe file writing: single files and all-or-nothing groups of files.

A single file is written to a temporary file in the same folder, flushed to
disk and renamed over the target, so a reader (or a build killed half-way)
sees either the old bytes or the new bytes, never a mixture.

A group of files that must agree with each other (a briefing's YAML and its
merge record) is written through a journal: the full list of intended changes
is first stored atomically in one file, then applied file by file, then the
journal is removed. A run killed part-way leaves the journal behind; the next
reader applies it (``pending_view``) so the group is seen either entirely old
or entirely new.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".tmp"
JOURNAL_VERSION = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: on POSIX the folder entry must be flushed too."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | Iterable[bytes], durable: bool = True,
                 make_folder: bool = True) -> None:
    """Replace ``path`` with ``data`` so that it is never seen half-written.

    ``data`` may come in pieces (an iterable of bytes), so that a large file
    never has to be held whole in memory. ``durable`` flushes the bytes to
    disk before the rename (and the folder after it); a group written through
    a journal flushes once at the end instead.
    """
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{os.getpid()}{TEMP_SUFFIX}"
    try:
        with open(temp, "wb") as handle:
            if isinstance(data, (bytes, bytearray, memoryview)):
                handle.write(data)
            else:
                handle.writelines(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            temp.unlink()
        except OSError:
            pass
        raise
    if durable:
        _fsync_dir(path.parent)


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files left by a killed writer (they were never renamed)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in sorted(n for n in names if n.startswith(".") and n.endswith(TEMP_SUFFIX)):
        entry = folder / name
        if entry.is_file() and not entry.is_symlink():
            try:
                entry.unlink()
            except OSError:
                pass


@dataclass(frozen=True)
class Change:
    """One file of a group: its new bytes and the bytes they replace (None: no file)."""

    path: str  # relative to the journal's root folder, "/"-separated
    data: bytes | None
    before: bytes | None


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _journal_pieces(changes: list[Change]) -> Iterator[bytes]:
    """The journal's JSON, one change at a time: a first build of 100,000 articles
    writes over a gigabyte through it, which must not be held as one string."""
    yield b'{"changes": ['
    for number, change in enumerate(changes):
        entry = {"before": _text(change.before), "data": _text(change.data), "path": change.path}
        yield (", " if number else "").encode("ascii") + json.dumps(entry, sort_keys=True).encode("ascii")
    yield f'], "version": {JOURNAL_VERSION}}}'.encode("ascii")


class Journal:
    """Applies a group of file changes so that a crash leaves all of them done or none.

    The journal holds each file's new and old bytes. After a killed run it is
    rolled forward (every file gets its new bytes). If someone edited one of
    the files in between, that edit wins and the group is rolled back instead
    (every other file gets its old bytes), so files never disagree with each
    other.
    """

    def __init__(self, root: Path, journal_path: Path):
        self.root = root
        self.path = journal_path

    # -- reading -------------------------------------------------------------
    def pending(self) -> list[Change]:
        """Changes of a run that was killed after committing them; [] when none.

        The journal is written atomically, so it is either whole or absent; an
        unreadable one can only come from outside tampering and is ignored.
        """
        raw = read_bytes(self.path)
        if raw is None:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("version") != JOURNAL_VERSION:
                return []
            return [Change(c["path"], _bytes(c["data"]), _bytes(c["before"]))
                    for c in data["changes"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return []

    def _target(self, rel: str) -> Path:
        parts = rel.split("/")
        if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"journal path outside its folder: {rel}")
        return self.root.joinpath(*parts)

    def pending_view(self) -> dict[str, bytes | None]:
        """What the files read as once the killed run is finished (or undone); writes nothing."""
        changes = []
        for change in self.pending():
            try:
                current = read_bytes(self._target(change.path))
            except ValueError:
                continue
            changes.append((change, current))
        edited = any(current not in (change.data, change.before) for change, current in changes)
        if not edited:
            return {change.path: change.data for change, _ in changes}
        return {change.path: change.before for change, current in changes
                if current == change.data and change.data != change.before}

    # -- writing -------------------------------------------------------------
    def replay(self) -> None:
        """Finish (or undo) the changes of a killed run as ``pending_view`` shows, then forget it."""
        for rel, data in sorted(self.pending_view().items()):
            target = self._target(rel)
            if data is None:
                try:
                    target.unlink()
                except FileNotFoundError:
                    pass
            elif read_bytes(target) != data:
                write_atomic(target, data)
        self.discard()

    def commit(self, changes: list[Change]) -> None:
        """Apply every change; all of them take effect even if the run is killed."""
        if not changes:
            self.discard()
            return
        write_atomic(self.path, _journal_pieces(changes))
        targets = [self._target(change.path) for change in changes]
        for folder in sorted({target.parent for target, change in zip(targets, changes)
                              if change.data is not None}):
            folder.mkdir(parents=True, exist_ok=True)
        for target, change in zip(targets, changes):
            if change.data is None:
                try:
                    target.unlink()
                except FileNotFoundError:
                    pass
            else:
                write_atomic(target, change.data, durable=False, make_folder=False)
        # One flush for the whole group: the journal may only go once every
        # change is on disk (a power cut before this point replays the journal).
        os.sync()
        self.discard()

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.path.parent)
