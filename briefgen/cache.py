"""Build caches under ``.briefgen/``: disposable, crash-safe, self-invalidating.

A cache only ever saves time: deleting ``.briefgen/`` gives the same site.
Each cache file records the fingerprint of the code that filled it, so a new
briefgen version (or an edited stage) starts it afresh, and is replaced
atomically, so a build killed while saving leaves the old file or the new one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def code_fingerprint(files: Iterable[Path]) -> str:
    """A hash of source files' contents: what produced a cached value."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_value(path: Path, version: str) -> Any | None:
    """What ``save_value`` stored at ``path`` for ``version``; None if absent, stale or torn."""
    try:
        with path.open("rb") as handle:
            saved = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            IndexError, KeyError, TypeError, ValueError):
        return None
    if isinstance(saved, dict) and saved.get("version") == version:
        return saved.get("value")
    return None


def save_value(path: Path, version: str, value: Any) -> None:
    """Store ``value`` atomically: a build killed meanwhile leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temp.open("wb") as handle:
        pickle.dump({"version": version, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temp, path)


class Memo:
    """A dict of cached results, loaded once and saved with only the keys used."""

    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        entries = load_value(path, version)
        self.entries: dict[str, Any] = entries if isinstance(entries, dict) else {}
        self.used: dict[str, Any] = {}

    def get(self, key: str) -> Any | None:
        value = self.entries.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self.used[key] = value

    def save(self) -> None:
        """Write the entries used by this build, if they differ from what was loaded."""
        if self.used.keys() == self.entries.keys():
            return
        save_value(self.path, self.version, self.used)


class ShardedMemo:
    """Cached results spread over files by key prefix, each loaded only when asked for.

    For caches of tens of thousands of entries of which a build touches a
    handful: one big pickle would cost more to load than the work it saves.
    ``index`` names every key stored, so ``in`` needs no shard. Keys the build
    still wants but did not read are ``keep``-marked; a shard with no wanted
    key is deleted, a loaded shard is rewritten with its wanted keys only.
    """

    INDEX = "index.pickle"

    def __init__(self, folder: Path, version: str, prefix: int = 2):
        self.folder = folder
        self.version = version
        self.prefix = prefix
        saved = load_value(folder / self.INDEX, version)
        self.index: set[str] = saved if isinstance(saved, set) else set()
        self.wanted: set[str] = set()
        self._shards: dict[str, dict[str, Any]] = {}
        self._changed: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def _shard(self, key: str) -> dict[str, Any]:
        name = key[:self.prefix]
        shard = self._shards.get(name)
        if shard is None:
            loaded = load_value(self.folder / f"{name}.pickle", self.version)
            shard = self._shards[name] = loaded if isinstance(loaded, dict) else {}
        return shard

    def get(self, key: str) -> Any | None:
        self.wanted.add(key)
        return self._shard(key).get(key) if key in self.index else None

    def keep(self, key: str) -> None:
        """The build still wants ``key`` without reading it now."""
        self.wanted.add(key)

    def put(self, key: str, value: Any) -> None:
        self.wanted.add(key)
        self._shard(key)[key] = value
        self._changed.add(key[:self.prefix])

    def save(self) -> None:
        """Rewrite changed shards, drop unwanted ones, then the index (written last)."""
        wanted_shards = {key[:self.prefix] for key in self.wanted}
        for name, shard in self._shards.items():
            kept = {key: value for key, value in shard.items() if key in self.wanted}
            if name in self._changed or len(kept) != len(shard):
                if kept:
                    save_value(self.folder / f"{name}.pickle", self.version, kept)
                else:
                    (self.folder / f"{name}.pickle").unlink(missing_ok=True)
        if self.folder.is_dir():
            for path in self.folder.glob("*.pickle"):
                if path.name != self.INDEX and path.stem not in wanted_shards:
                    path.unlink(missing_ok=True)
        stored = {key for key in self.wanted if key in self.index or key in self._shards.get(
            key[:self.prefix], {})}
        if stored != self.index:
            save_value(self.folder / self.INDEX, self.version, stored)
