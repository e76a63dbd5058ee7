"""Crash-safe file writing: single files and all-or-nothing groups of files.

A single file is written to a temporary file in the same folder, flushed to
disk and renamed over the target, so a reader (or a build killed half-way)
sees either the old bytes or the new bytes, never a mixture.

A group of files that must agree with each other (a briefing's YAML and its
merge record) is written through an undo journal: each file's old bytes and a
hash of its new bytes are first stored atomically in one file, then the files
are replaced one by one, then the journal is removed. A run killed part-way
leaves the journal behind; the next reader undoes it (``pending_view``), so
the group is seen entirely old (the next build redoes the work) or, once the
journal is gone, entirely new. A first build, which only creates files,
journals little more than their names. The new files may be staged first
(written to temporary files as they are laid out), and the commit then only
renames them into place.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".tmp"
JOURNAL_VERSION = 2


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path | str) -> None:
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


def _write_temp(target: str, data: bytes | Iterable[bytes], durable: bool, make_folder: bool,
                kind: str = "") -> str:
    """Write ``data`` to a temporary file beside ``target``; its path. ``kind`` keeps
    temporary files of different uses apart (a staged file and a direct write of
    the same target)."""
    folder, name = os.path.split(target)
    if make_folder:
        os.makedirs(folder or ".", exist_ok=True)
    temp = os.path.join(folder, f".{name}.{os.getpid()}{kind}{TEMP_SUFFIX}")
    try:
        with open(temp, "wb") as handle:
            if isinstance(data, (bytes, bytearray, memoryview)):
                handle.write(data)
            else:
                handle.writelines(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _unlink_quietly(temp)
        raise
    return temp


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def write_atomic(path: Path | str, data: bytes | Iterable[bytes], durable: bool = True,
                 make_folder: bool = True) -> None:
    """Replace ``path`` with ``data`` so that it is never seen half-written.

    ``data`` may come in pieces (an iterable of bytes), so that a large file
    never has to be held whole in memory. ``durable`` flushes the bytes to
    disk before the rename (and the folder after it); a group written through
    a journal is flushed at the end, together (see ``_flush``).
    """
    target = os.fspath(path)  # plain strings: a first build writes tens of thousands of files
    temp = _write_temp(target, data, durable, make_folder)
    try:
        os.replace(temp, target)
    except BaseException:
        _unlink_quietly(temp)
        raise
    if durable:
        _fsync_dir(os.path.dirname(target) or ".")


def write_beside(path: Path | str, data: Iterable[bytes]) -> str:
    """Write ``data`` to a temporary file beside ``path``, not flushed; its name.

    For a file whose bytes are known only once written (a large one made in
    pieces): the caller then renames it over ``path`` (``os.replace``) or, when
    ``path`` already held those bytes, deletes it with ``discard_temp``.
    """
    return _write_temp(os.fspath(path), data, durable=False, make_folder=False)


def discard_temp(temp: str) -> None:
    """Delete a temporary file ``write_beside`` made; one already gone is no error."""
    _unlink_quietly(temp)


@dataclass(frozen=True)
class Staged:
    """New bytes waiting in a temporary file beside their target for a Journal to rename them."""

    temp: str
    digest: str  # sha256 of the bytes


def stage(path: Path | str, data: bytes) -> Staged:
    """Write ``data`` beside ``path`` for a later ``Journal.commit``.

    Tens of thousands of new files then need not wait in memory for the
    commit. A run stopped before the commit leaves only temporary files,
    which ``remove_stale_temps`` deletes; ``unstage`` drops one unused.
    Not flushed here: the commit flushes the group's files together.
    """
    return Staged(_write_temp(os.fspath(path), data, durable=False, make_folder=True, kind=".staged"),
                  sha256(data))


def unstage(staged: Staged) -> None:
    _unlink_quietly(staged.temp)


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def is_temp_name(name: str) -> bool:
    """A file name ``_write_temp`` gives: a temporary file, never one of the targets."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files left by a killed writer (they were never renamed)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in sorted(n for n in names if is_temp_name(n)):
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
    data: bytes | Staged | None
    before: bytes | None

    def digest(self) -> str | None:
        """The new bytes' sha256 (None: the file is removed)."""
        if self.data is None:
            return None
        return self.data.digest if isinstance(self.data, Staged) else sha256(self.data)


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "surrogateescape")


def _bytes(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _journal_pieces(changes: list[Change]) -> Iterator[bytes]:
    """The journal's JSON, one change at a time: each file's old bytes (which an
    update of thousands of briefings may make large) and its new bytes' hash."""
    yield b'{"changes": ['
    for number, change in enumerate(changes):
        entry = {"after": change.digest(),
                 "before": _text(change.before), "path": change.path}
        yield (", " if number else "").encode("ascii") + json.dumps(entry, sort_keys=True).encode("ascii")
    yield f'], "version": {JOURNAL_VERSION}}}'.encode("ascii")


@dataclass(frozen=True)
class Undo:
    """One journalled file: its bytes before the change and its new bytes' hash (None: removed)."""

    path: str
    before: bytes | None
    after: str | None


#: Up to this many changed files, each is flushed on its own; above, the whole system at once.
FLUSH_EACH_MAX = 64


def _flush(targets: list[str], changes: list[Change]) -> None:
    """Put a group's changes on disk: a rebuild that changed a few files flushes those
    files and their folders (not every disk's pending writes, which can take long on
    a busy machine); a first build of thousands flushes everything at once, far
    cheaper than thousands of flushes."""
    if len(changes) > FLUSH_EACH_MAX:
        os.sync()
        return
    for target, change in zip(targets, changes):
        if change.data is None:
            continue
        fd = os.open(target, os.O_RDWR)  # some systems flush only what they may write
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in sorted({os.path.dirname(target) for target in targets}):
        _fsync_dir(folder or ".")


class Journal:
    """Applies a group of file changes so that a crash leaves all of them done or none.

    The journal holds each file's old bytes and its new bytes' hash. After a
    killed run every file that has its new bytes gets its old ones back; a
    file someone edited in between keeps that edit. A journal of the earlier
    kind (new bytes in full) is undone the same way.
    """

    def __init__(self, root: Path, journal_path: Path):
        self.root = root
        self.path = journal_path

    # -- reading -------------------------------------------------------------
    def pending(self) -> list[Undo]:
        """What a run that was killed after writing its journal may have changed; [] when none.

        The journal is written atomically, so it is either whole or absent; an
        unreadable one can only come from outside tampering and is ignored.
        """
        raw = read_bytes(self.path)
        if raw is None:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            if data.get("version") == 1:  # new bytes in full
                return [Undo(c["path"], _bytes(c["before"]),
                             None if c["data"] is None else sha256(_bytes(c["data"])))
                        for c in data["changes"]]
            if data.get("version") != JOURNAL_VERSION:
                return []
            return [Undo(c["path"], _bytes(c["before"]), c["after"]) for c in data["changes"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return []

    def _target(self, rel: str) -> Path:
        return Path(self._target_name(rel))

    def _target_name(self, rel: str) -> str:
        parts = rel.split("/")
        if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"journal path outside its folder: {rel}")
        return os.path.join(self.root, *parts)

    def pending_view(self) -> dict[str, bytes | None]:
        """The files a killed run changed, with the bytes they read as once it is undone."""
        view = {}
        for undo in self.pending():
            try:
                current = read_bytes(self._target(undo.path))
            except ValueError:
                continue
            if current == undo.before:
                continue  # never changed, or already put back
            changed = current is None if undo.after is None else \
                current is not None and sha256(current) == undo.after
            if changed:  # else someone edited it since: their bytes stand
                view[undo.path] = undo.before
        return view

    # -- writing -------------------------------------------------------------
    def replay(self) -> None:
        """Undo the changes of a killed run as ``pending_view`` shows, then forget it."""
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
        """Apply every change; if the run is killed before the end, the next reader undoes them.

        Staged new bytes are renamed into place; the others are written here.
        """
        if not changes:
            self.discard()
            return
        try:
            write_atomic(self.path, _journal_pieces(changes))
            targets = [self._target_name(change.path) for change in changes]
            for folder in sorted({os.path.dirname(target) for target, change in zip(targets, changes)
                                  if change.data is not None}):
                os.makedirs(folder, exist_ok=True)
            for target, change in zip(targets, changes):
                if change.data is None:
                    try:
                        os.unlink(target)
                    except FileNotFoundError:
                        pass
                elif isinstance(change.data, Staged):
                    os.replace(change.data.temp, target)
                else:
                    write_atomic(target, change.data, durable=False, make_folder=False)
        except BaseException:
            for change in changes:  # the ones not renamed yet; the renamed ones are gone already
                if isinstance(change.data, Staged):
                    unstage(change.data)
            raise
        # The journal may only go once every change is on disk (a power cut
        # before this point undoes the group).
        _flush(targets, changes)
        self.discard()

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.path.parent)
