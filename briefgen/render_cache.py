"""Fingerprints and the render cache: what lets a rebuild render only changed pages.

Every output file has a fingerprint of exactly the data it shows (plus the
theme, the settings and briefgen's own code); the cache under ``.briefgen/``
remembers it with the file's digest, size and mtime. Disposable: deleting it
only costs one full render.
"""

from __future__ import annotations

import hashlib
import io
import json
import marshal
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Self

from .atomic import write_atomic
from .cache import ShardedMemo, paused_gc
from .diagnostics import Problem
from .models import Article, Briefing
from .views import LinkFacts


#: The hash of a written file's bytes: SHA-256, the fastest of hashlib's hashes
#: on CPUs with SHA instructions.
content_hasher = hashlib.sha256


def content_digest(data: bytes) -> str:
    """``content_hasher`` of ``data``, in hex."""
    return content_hasher(data).hexdigest()


def fingerprint(*parts: object) -> str:
    """A digest of JSON-ready ``parts``: a page's inputs, in a stable order."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _record_bytes(record: Briefing) -> bytes:
    """The record's values as bytes, equal for equal records.

    marshal (format 2, which never refers back to an object seen before) turns
    the flattened fields into bytes several times faster than pickle; a value
    it cannot hold falls back to pickle without its memo. The field layout
    itself is covered by the models module's code in the environment key.
    """
    parts = [[tuple(item.__dict__.values()) for item in value]
             if type(value) is list and value and hasattr(value[0], "__dataclass_fields__") else value
             for value in record.__dict__.values()]
    try:
        return b"m" + marshal.dumps(parts, 2)
    except ValueError:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=5)
        pickler.fast = True
        pickler.dump(record)
        return b"p" + buffer.getvalue()


def _article_facts(article: Article | None) -> tuple | None:
    """What a briefing page shows of an article it cites without listing it as a source."""
    if article is None:
        return None
    published = article.published.isoformat() if article.published else None
    return (article.title, article.source, article.url, published, article.author)


def record_digest(record: Briefing) -> str:
    """A digest of the record's values: what the render cache remembers record facts by."""
    return hashlib.sha256(_record_bytes(record)).hexdigest()


def briefing_page_fingerprint(page_key: str, rel: str, record_digest: str, articles: dict[str, Article],
                              outside: tuple[str, ...], links: list[list[str | None]]) -> str:
    """Everything a briefing page shows: the site-wide ``page_key``, its path, the record
    (by ``record_digest``), the articles it cites without listing them (``outside``) and
    its entity and publisher links. One hash per briefing, without a JSON encoder
    unless the briefing cites outside articles."""
    cited = json.dumps([(key, _article_facts(articles.get(key))) for key in outside],
                       ensure_ascii=False) if outside else ""
    text = "\0".join([page_key, rel, record_digest, cited, *("\1".join(map(str, group)) for group in links)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _plain(values: dict[str, tuple]) -> dict[str, tuple]:
    """NamedTuples as plain tuples: pickling a NamedTuple costs a Python call per object."""
    return {key: tuple(value) for key, value in values.items()}


def _typed(kind: type, values: dict[str, tuple]) -> dict:
    """The reverse of ``_plain`` (``tuple.__new__`` is a C call; ``kind(*value)`` is not)."""
    new = tuple.__new__
    return {key: new(kind, value) for key, value in values.items()}


class FileState(NamedTuple):
    """A file briefgen wrote: the fingerprint of its inputs, its bytes' digest, size and mtime."""

    fingerprint: str
    digest: str
    size: int
    mtime_ns: int

    def matches(self, stat: os.stat_result) -> bool:
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


class BriefingSummary(NamedTuple):
    """What one briefing gives the rest of the site, as a briefing page job returns it."""

    figures: bytes  # pickled key figures and source entries: loaded only for the pages that show them
    sources: bytes
    source_refs: list[tuple[str | None, int]]  # (publisher key, citation number) per source entry
    warnings: list[Problem]
    source_warnings: list[Problem]
    export: bytes  # its entry of briefings.json, encoded: joining bytes is a copy, joining text is not
    feed_entry: str  # its entry of feed.xml ("" when it has none)


class BriefingCore(NamedTuple):
    """The part of a summary every build needs for every briefing: kept in the core file."""

    source_refs: list[tuple[str | None, int]]
    warnings: list[Problem]
    source_warnings: list[Problem]

    @classmethod
    def of(cls, summary: BriefingSummary) -> BriefingCore:
        return cls(summary.source_refs, summary.warnings, summary.source_warnings)


class Spilled(NamedTuple):
    """Where ``Spill`` put a value: its place in the scratch file, and whether it was text."""

    offset: int
    length: int
    text: bool


class Spill:
    """This render's bulkiest values, each briefing's ``briefings.json`` entry, feed
    entry and source list, parked in a scratch file as they arrive and read back
    when a page, the export, the feed or the cache needs them: in the 100k-article
    benchmark, some 280 MB the render need not hold. The file
    has no name where the system allows it (it vanishes with the process however
    that ends) and is removed on ``close``. It lives in the cache folder, on the
    project's disk: the system's temporary folder may be held in memory."""

    PARKED = ("export", "sources", "feed_entry")

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (open for the Spill's life)
        self._end = 0

    def park(self, value: bytes | str) -> Spilled:
        text = type(value) is str
        data = value.encode("utf-8", "surrogatepass") if text else value
        self._file.seek(self._end)
        self._file.write(data)
        place = Spilled(self._end, len(data), text)
        self._end += len(data)
        return place

    def fetch(self, value: bytes | str | Spilled) -> bytes | str:
        """A value as it was: a parked one read back, anything else as given."""
        if type(value) is not Spilled:
            return value
        self._file.seek(value.offset)
        data = self._file.read(value.length)
        return data.decode("utf-8", "surrogatepass") if value.text else data

    def parked_entry(self, entry: dict) -> dict:
        """``entry`` with its bulky parts parked (empty ones stay as they are)."""
        return {**entry, **{name: self.park(entry[name]) for name in self.PARKED if entry[name]}}

    def whole_entry(self, entry: dict) -> dict:
        """``entry`` with its parked parts read back, as the cache stores it."""
        parked = [name for name in self.PARKED if type(entry.get(name)) is Spilled]
        if not parked:
            return entry
        return {**entry, **{name: self.fetch(entry[name]) for name in parked}}

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def entry_of(summary: BriefingSummary, cards: dict[str, str] | None = None) -> dict:
    """A briefing page's entry in the sharded store: the bulky parts of its summary, its cards."""
    return {"figures": summary.figures, "sources": summary.sources, "export": summary.export,
            "feed_entry": summary.feed_entry, "cards": {} if cards is None else cards}


class Fragments:
    """Rendered list entries (index cards, publisher items, entity links) by key, each kept
    in the entry of the briefing page it shows: the key starts with that page's fingerprint."""

    def __init__(self, store: ShardedMemo):
        self.store = store

    def get(self, key: str) -> str | None:
        entry = self.store.get(key.split("\0", 1)[0])
        return None if entry is None else entry["cards"].get(key)

    def __setitem__(self, key: str, html: str) -> None:
        page = key.split("\0", 1)[0]
        entry = self.store.get(page)
        if entry is None:  # a page whose summary this build has not stored yet
            entry = {"cards": {}}
        entry["cards"][key] = html
        self.store.put(page, entry)


@dataclass
class RenderCache:
    """The state of the last render: per output file and per briefing page.

    A folder: the core file (every site file's state, each briefing page's
    small summary part, compiled templates) is read and written whole; the
    bulky parts of each briefing page's entry (figures, sources, export, feed
    entry, cards) are sharded by page fingerprint, so a rebuild reads only the
    shards it needs and rewrites only the ones that changed. Every file is
    written atomically; a cache that is missing, unreadable or made for other
    themes, settings or code is simply empty. Site files are trusted only when
    their size and mtime still match, so a cache that is out of date costs
    time, never correctness.
    """

    CORE = "core.pickle"
    ENTRIES = "briefings"
    #: Pickled one by one inside the core file: a pickler's memo of every object at once costs more.
    PARTS = ("files", "briefings", "compiled", "facts")

    key: str = ""
    site: str = ""
    files: dict[str, FileState] = field(default_factory=dict)
    briefings: dict[str, BriefingCore] = field(default_factory=dict)  # by briefing page fingerprint
    search_state: str | None = None
    compiled: dict[str, bytes] = field(default_factory=dict)  # Jinja bytecode by template
    facts: dict[str, LinkFacts] = field(default_factory=dict)  # by record digest
    entries: ShardedMemo | None = None  # not pickled with the core

    @classmethod
    def load(cls, folder: Path, key: str, site_dir: Path) -> RenderCache:
        fresh = cls(key=key, site=str(site_dir.resolve()))
        cached = fresh
        try:
            with open(folder / cls.CORE, "rb") as handle, paused_gc():
                saved = pickle.load(handle)
                if isinstance(saved, dict) and saved.get("key") == key:
                    parts = {name: pickle.loads(saved.pop(name)) for name in cls.PARTS}
                    cached = cls(**saved, compiled=parts["compiled"], files=_typed(FileState, parts["files"]),
                                 briefings=_typed(BriefingCore, parts["briefings"]),
                                 facts=_typed(LinkFacts, parts["facts"]))
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError,
                TypeError, ValueError):  # a torn, foreign or older cache is only a cold start
            pass
        if cached.site != fresh.site:
            cached.site, cached.files, cached.search_state = fresh.site, {}, None
        cached.entries = ShardedMemo(folder / cls.ENTRIES, key)
        return cached

    def keep_only(self, page_prints: set[str], facts: dict[str, LinkFacts]) -> None:
        """Forget briefing pages and records the site no longer has."""
        self.briefings = {k: v for k, v in self.briefings.items() if k in page_prints}
        self.facts = facts
        for key in page_prints:
            self.entries.keep(key)

    def save(self, folder: Path, spill: Spill | None = None) -> None:
        """The entries first (their ``spill``-parked parts read back shard by shard), the
        core last: the core never names an entry that was not saved."""
        with paused_gc():
            self.entries.save(prepare=None if spill is None else spill.whole_entry)
            parts = {"files": _plain(self.files), "briefings": _plain(self.briefings), "facts": _plain(self.facts),
                     "compiled": self.compiled}
            saved = {"key": self.key, "site": self.site, "search_state": self.search_state,
                     **{name: pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL) for name, value in parts.items()}}
            data = pickle.dumps(saved, protocol=pickle.HIGHEST_PROTOCOL)
        write_atomic(folder / self.CORE, data, durable=False)

    def current(self, site_dir: Path, rel: str, page_fingerprint: str) -> FileState | None:
        """The recorded state of ``rel`` when it was made from these inputs and is untouched since."""
        state = self.files.get(rel)
        if state is None or state.fingerprint != page_fingerprint:
            return None
        try:
            stat = os.lstat(f"{site_dir}/{rel}")  # neither pathlib nor os.path.join: this runs for every file
        except OSError:
            return None
        return state if state.matches(stat) else None
