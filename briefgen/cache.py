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
from pathlib import Path
from typing import Any, Iterable


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
