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


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that it is never seen half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{os.getpid()}{TEMP_SUFFIX}"
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            temp.unlink()
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def remove_stale_temps(folder: Path) -> None:
    """Delete temporary files left by a killed writer (they were never renamed)."""
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
            try:
                entry.unlink()
            except OSError:
                pass


@dataclass(frozen=True)
class Change:
    """One file of a group: its new bytes (None = delete) and the bytes it replaces."""

    path: str  # relative to the journal's root folder, "/"-separated
    data: bytes | None
    before_sha256: str | None  # None when the file did not exist


class Journal:
    """Applies a group of file changes so that a crash can be completed later."""

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
            return [Change(c["path"], None if c["data"] is None else c["data"].encode("utf-8"),
                           c["before"]) for c in data["changes"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return []

    def _target(self, rel: str) -> Path:
        target = (self.root / rel).resolve()
        root = self.root.resolve()
        if root not in target.parents:
            raise ValueError(f"journal path outside its folder: {rel}")
        return target

    def pending_view(self) -> dict[str, bytes | None]:
        """What each pending change makes a file read as, without writing anything.

        A file the editor changed after the killed run (neither the old nor the
        new bytes) is left as the editor has it.
        """
        view: dict[str, bytes | None] = {}
        for change in self.pending():
            try:
                target = self._target(change.path)
            except ValueError:
                continue
            current = read_bytes(target)
            current_sha = None if current is None else sha256(current)
            if current == change.data or current_sha == change.before_sha256:
                view[change.path] = change.data
        return view

    # -- writing -------------------------------------------------------------
    def replay(self) -> None:
        """Finish the changes of a killed run (as ``pending_view`` shows them), then forget it."""
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
        record = {"version": JOURNAL_VERSION, "changes": [
            {"path": c.path, "data": None if c.data is None else c.data.decode("utf-8"),
             "before": c.before_sha256} for c in changes]}
        write_atomic(self.path, json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"))
        for change in changes:
            target = self._target(change.path)
            if change.data is None:
                try:
                    target.unlink()
                except FileNotFoundError:
                    pass
                _fsync_dir(target.parent)
            else:
                write_atomic(target, change.data)
        self.discard()

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(self.path.parent)
