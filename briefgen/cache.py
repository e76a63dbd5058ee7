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


class Memo:
    """A dict of cached results, loaded once and saved with only the keys used."""

    def __init__(self, path: Path, version: str):
        self.path = path
        self.version = version
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        try:
            with path.open("rb") as handle:
                saved = pickle.load(handle)
            if isinstance(saved, dict) and saved.get("version") == version:
                self.entries = saved.get("entries", {})
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
                IndexError, TypeError, ValueError):
            self.entries = {}  # absent, stale or torn: start afresh

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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temp.open("wb") as handle:
            pickle.dump({"version": self.version, "entries": self.used}, handle,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temp, self.path)
