"""The files of site/: written only when changed, atomically, never outside it.

A manifest (``site/.briefgen-site``) lists what briefgen wrote, so a later
build removes pages that no longer exist and nothing else, and so briefgen
refuses to write into, or clean, a folder it did not create.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring_ascii
from pathlib import Path

from . import search
from .atomic import discard_temp, write_atomic, write_beside
from .config import Project
from .diagnostics import BriefgenError
from .render_cache import FileState, content_hasher

#: Written into every site briefgen builds; without it, briefgen refuses to clean a folder.
MARKER_FILE = ".briefgen-site"

class SiteWriter:
    """Writes files under one folder: only when changed, atomically, never outside it."""

    def __init__(self, root: Path):
        self.root = root
        self.real_root = root.resolve()
        self.checked_dirs: set[Path] = set()

    def target(self, rel: str) -> Path:
        path = self.root / rel
        parent = path.parent
        if parent not in self.checked_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            real = parent.resolve()
            if real != self.real_root and self.real_root not in real.parents:
                raise BriefgenError(f"{parent} leads outside {self.root}; refusing to write there")
            self.checked_dirs.add(parent)
        if path.is_symlink():
            path.unlink()
        return path

    def write(self, rel: str, data: bytes) -> bool:
        """Write ``data`` to ``rel``; returns False when the file already held those bytes."""
        return self.write_known(rel, data, None)[0]

    def write_known(self, rel: str, data: bytes, known: FileState | None) -> tuple[bool, FileState]:
        """Like ``write``; ``known`` (from the render cache) saves reading the old file:
        when the file still has the recorded size and mtime, its recorded digest says
        whether its bytes are ``data``. Returns (written, the file's new state)."""
        digest = content_hasher(data).hexdigest()
        path = self.target(rel)
        same = _holding(path, len(data), digest, known)
        if same is not None:
            return False, same
        write_atomic(path, data, durable=False, make_folder=False)  # a site is rebuilt, not recovered
        return True, _state(path, digest)

    def write_pieces_known(self, rel: str, pieces: Iterable[bytes],
                           known: FileState | None) -> tuple[bool, FileState]:
        """``write_known`` for a file given in pieces, never held whole in memory.

        The pieces are made once: they go to a temporary file beside the target
        as they are hashed, which then replaces the file or, when the file
        already held those bytes, is deleted. Making them costs more than writing
        them (``briefings.json``, some 200 MB at a hundred thousand briefings,
        was made twice, once to hash and once to write: 0.35-0.55 s each).
        """
        path = self.target(rel)
        hasher, size = content_hasher(), 0

        def hashed() -> Iterator[bytes]:
            nonlocal size
            for piece in pieces:
                hasher.update(piece)
                size += len(piece)
                yield piece

        temp = write_beside(path, hashed())
        try:
            digest = hasher.hexdigest()
            same = _holding(path, size, digest, known)
            if same is not None:
                discard_temp(temp)
                return False, same
            os.replace(temp, path)
        except BaseException:
            discard_temp(temp)
            raise
        return True, _state(path, digest)


def _holding(path: Path, size: int, digest: str, known: FileState | None) -> FileState | None:
    """The state of the file at ``path`` when it already holds the bytes of ``digest``
    (``size`` long), else None. ``known``, its state as last recorded, is trusted
    while its size and mtime still match; otherwise the file is read."""
    try:
        stat = path.stat() if not path.is_symlink() else None
    except OSError:
        stat = None
    if stat is None or stat.st_size != size:
        return None
    if known is not None and known.matches(stat):
        return known if known.digest == digest else None
    if path.is_file() and _file_digest(path) == digest:
        return FileState(known.fingerprint if known else "", digest, stat.st_size, stat.st_mtime_ns)
    return None


def _state(path: Path, digest: str) -> FileState:
    """The state of a file just written with the bytes of ``digest``."""
    stat = path.stat()
    return FileState("", digest, stat.st_size, stat.st_mtime_ns)


def _file_digest(path: Path) -> str:
    """``content_digest`` of a file's bytes, read a block at a time."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, content_hasher).hexdigest()


def check_site_dir(site_dir: Path) -> None:
    """Raise BriefgenError unless ``site_dir`` is absent, empty or written by briefgen."""
    read_manifest(site_dir)


def site_is_complete(project: Project, site_dir: Path | None = None) -> bool:
    """True when the last render finished: its manifest lists only files that exist."""
    site_dir = Path(site_dir) if site_dir is not None else project.site_dir
    try:
        files = read_manifest(site_dir)
    except BriefgenError:
        return False
    return bool(files) and all((site_dir / rel).is_file() for rel in files)


def read_manifest(site_dir: Path) -> set[str]:
    """Paths briefgen wrote last time. Refuses a non-empty folder briefgen did not write."""
    if site_dir.is_symlink():
        raise BriefgenError(f"{site_dir} is a symbolic link; refusing to write the site through it")
    if not site_dir.exists():
        return set()
    if not site_dir.is_dir():
        raise BriefgenError(f"{site_dir} exists and is not a folder; refusing to replace it")
    marker = site_dir / MARKER_FILE
    if not marker.is_file():
        if any(site_dir.iterdir()):
            raise BriefgenError(
                f"{site_dir} is not empty and was not written by briefgen (no {MARKER_FILE}); "
                "refusing to write into it: move it away or empty it")
        return set()
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        files = data.get("files", []) if isinstance(data, dict) else []
    except (OSError, ValueError):
        files = []
    return {f for f in files if isinstance(f, str) and _is_plain_relative(f)}


def _is_plain_relative(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and "\\" not in rel and all(p not in ("", ".", "..") for p in parts)


def _manifest_bytes(files: set[str]) -> bytes:
    """``json.dumps({"generator": "briefgen", "files": sorted(files)}, indent=0)`` and a newline,
    with each name encoded by the C encoder: with an indent, json's own is pure Python."""
    if not files:
        return b'{\n"generator": "briefgen",\n"files": []\n}\n'
    names = ",\n".join(map(encode_basestring_ascii, sorted(files)))
    return f'{{\n"generator": "briefgen",\n"files": [\n{names}\n]\n}}\n'.encode()


_LEFTOVER_TEMP = re.compile(r"^\..+\.\d+\.tmp$")


def remove_leftover_temps(site_dir: Path) -> None:
    """Temp files of a build that was killed mid-write (``SiteWriter.write`` names them)."""
    for folder, dirs, files in os.walk(site_dir):
        dirs[:] = [d for d in dirs if d != search.BUNDLE_DIR and not os.path.islink(os.path.join(folder, d))]
        for name in files:
            if _LEFTOVER_TEMP.match(name):
                os.unlink(os.path.join(folder, name))


def remove_stale(site_dir: Path, stale: set[str]) -> list[str]:
    """Delete files briefgen wrote before and no longer produces, then empty folders."""
    removed = []
    real_root = site_dir.resolve()
    for rel in sorted(stale):
        path = site_dir / rel
        if not (path.is_file() or path.is_symlink()):
            continue
        if real_root not in path.parent.resolve().parents and path.parent.resolve() != real_root:
            continue
        path.unlink()
        removed.append(rel)
        parent = path.parent
        while parent != site_dir and parent.is_dir() and not parent.is_symlink() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed
