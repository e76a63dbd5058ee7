"""Build caches under ``.briefgen/``: disposable, crash-safe, self-invalidating.

A cache only ever saves time: deleting ``.briefgen/`` gives the same site.
Each cache file records the fingerprint of the code that filled it, so a new
briefgen version (or an edited stage) starts it afresh, and is replaced
atomically, so a build killed while saving leaves the old file or the new one.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def code_fingerprint(files: Iterable[Path]) -> str:
    """A hash of source files' contents: what produced a cached value."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection inside: for building or unpickling hundreds
    of thousands of objects that hold no cycles, which would otherwise set off
    full collections that walk everything and free nothing.

    ``freeze`` moves the objects made inside out of the collector's view for
    good (``gc.freeze``), for values that live as long as the process's work.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()


def load_value(path: Path, version: str, freeze: bool = False) -> Any | None:
    """What ``save_value`` stored at ``path`` for ``version``; None if absent, stale or torn.

    ``freeze``: see ``paused_gc``.
    """
    try:
        with path.open("rb") as handle, paused_gc(freeze):
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
    try:
        with temp.open("wb") as handle:
            pickle.dump({"version": version, "value": value}, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


class Memo:
    """A dict of cached results, loaded once and saved with only the keys used.

    Each value is kept pickled until ``get`` asks for it: a build whose key
    misses (any change to the articles, for the stories) then never unpacks the
    last build's value (a hundred thousand articles' stories: 0.3 s).
    """

    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        entries = load_value(path, version)
        self.entries: dict[str, bytes] = entries if isinstance(entries, dict) else {}
        self.used: dict[str, bytes] = {}

    def get(self, key: str) -> Any | None:
        packed = self.entries.get(key)
        if not isinstance(packed, bytes):
            return None
        try:
            with paused_gc():
                value = pickle.loads(packed)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, KeyError,
                TypeError, ValueError):
            return None
        self.used[key] = packed
        return value

    def put(self, key: str, value: Any) -> None:
        self.used[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def save(self) -> None:
        """Write the entries used by this build, if they differ from what was loaded."""
        if self.used.keys() == self.entries.keys():
            return
        save_value(self.path, self.version, self.used)


class ShardedMemo:
    """Cached results spread over files by a hash of their keys, each file
    loaded only when one of its keys is asked for.

    For caches of tens of thousands of entries of which a build touches a
    handful: one big pickle would cost more to load than the work it saves.
    ``index`` names every key stored, so ``in`` needs no shard. Keys the build
    still wants but did not read are ``keep``-marked; a shard with no wanted
    key is deleted, a changed shard is rewritten with its wanted keys only,
    and the index is written last: a build stopped in between leaves entries
    the index does not name (ignored) or names it lost (``get`` gives None,
    and the caller recomputes). An entry ``put`` can be read back at once.
    """

    INDEX = "index.pickle"
    #: Part of every file's version: a new way of naming shards starts the cache afresh.
    LAYOUT = "hashed-names"

    def __init__(self, folder: Path, version: str, prefix: int = 2):
        self.folder = folder
        self.version = f"{version}\0{self.LAYOUT}"
        self.prefix = prefix
        self._shift = 32 - 4 * prefix  # the crc's first ``prefix`` hex digits name the shard
        self._names = [f"{i:0{prefix}x}" for i in range(16 ** prefix)]
        self.freeze = False  # see load_value
        saved = load_value(folder / self.INDEX, self.version)
        self.index: set[str] = saved if isinstance(saved, set) else set()
        self.wanted: set[str] = set()
        self._shards: dict[str, dict[str, Any]] = {}
        self._changed: set[str] = set()

    def __contains__(self, key: str) -> bool:
        return key in self.index

    def _name(self, key: str) -> str:
        """The shard of ``key``: hashed, so that keys sharing a beginning (paths) spread evenly."""
        return self._names[zlib.crc32(key.encode("utf-8", "surrogateescape")) >> self._shift]

    def _shard(self, name: str) -> dict[str, Any]:
        shard = self._shards.get(name)
        if shard is None:
            loaded = load_value(self.folder / f"{name}.pickle", self.version, self.freeze)
            shard = self._shards[name] = loaded if isinstance(loaded, dict) else {}
        return shard

    def get(self, key: str) -> Any | None:
        self.wanted.add(key)
        name = self._name(key)
        shard = self._shards.get(name)
        if shard is None:
            if key not in self.index:
                return None  # neither stored before nor put by this build: no shard to read
            shard = self._shard(name)
        return shard.get(key)

    def keep(self, key: str) -> None:
        """The build still wants ``key`` without reading it now."""
        self.wanted.add(key)

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (also after changing a value ``get`` returned: marks its shard changed)."""
        self.wanted.add(key)
        name = self._name(key)
        self._shard(name)[key] = value
        self._changed.add(name)

    def save(self, prepare: Callable[[Any], Any] | None = None) -> None:
        """Write the changed shards and the index. ``prepare``: what each value is
        turned into as its shard is written (the values in memory stay as they are)."""
        shard_of = {key: self._name(key) for key in self.wanted}
        wanted_shards = set(shard_of.values())
        for name, shard in self._shards.items():
            kept = {key: value for key, value in shard.items() if key in self.wanted}
            if kept and (name in self._changed or len(kept) != len(shard)):
                if prepare is not None:
                    kept = {key: prepare(value) for key, value in kept.items()}
                save_value(self.folder / f"{name}.pickle", self.version, kept)
            elif not kept:
                wanted_shards.discard(name)
        if self.folder.is_dir():
            for entry in os.scandir(self.folder):
                name = entry.name
                if name != self.INDEX and name.endswith(".pickle") and name[:-7] not in wanted_shards:
                    os.unlink(entry.path)
        stored = {key for key, name in shard_of.items() if key in self._shards.get(name, self.index)}
        if stored != self.index:
            save_value(self.folder / self.INDEX, self.version, stored)
            self.index = stored

    def unload(self) -> None:
        """Let go of the shards read or written so far (call after ``save``): what is
        asked for later is read from disk again, so the entries can leave memory
        once their users drop them."""
        self._shards.clear()
        self._changed.clear()
