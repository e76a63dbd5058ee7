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
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .atomic import write_atomic
from .diagnostics import Problem
from .models import Article, Briefing
from .views import outside_sources


def content_digest(data: bytes) -> str:
    """SHA-256, the fastest of hashlib's hashes on CPUs with SHA instructions."""
    return hashlib.sha256(data).hexdigest()


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


def briefing_fingerprint(record: Briefing, slug: str, articles: dict[str, Article],
                         outside: list[str] | None = None) -> str:
    """Everything a briefing's own page data comes from: the record, its slug, cited articles
    (``outside``: the record's ``outside_sources``, when already known)."""
    digest = hashlib.sha256(_record_bytes(record))
    keys = outside_sources(record) if outside is None else outside
    cited = [(key, _article_facts(articles.get(key))) for key in keys]
    digest.update(json.dumps([slug, cited], ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class FileState(NamedTuple):
    """A file briefgen wrote: the fingerprint of its inputs, its bytes' digest, size and mtime."""

    fingerprint: str
    digest: str
    size: int
    mtime_ns: int

    def matches(self, stat: os.stat_result) -> bool:
        return stat.st_size == self.size and stat.st_mtime_ns == self.mtime_ns


class BriefingSummary(NamedTuple):
    """What one briefing gives the rest of the site, cached by its fingerprint."""

    figures: bytes  # pickled key figures and source entries: loaded only for the pages that show them
    sources: bytes
    source_refs: list[tuple[str | None, int]]  # (publisher key, citation number) per source entry
    warnings: list[Problem]
    source_warnings: list[Problem]
    export: bytes  # its entry of briefings.json, encoded: joining bytes is a copy, joining text is not
    feed_entry: str  # its entry of feed.xml ("" when it has none)


@dataclass
class RenderCache:
    """The state of the last render: per output file and per briefing.

    Stored with one atomic write; a cache that is missing, unreadable or made
    for other themes, settings or code is simply empty. Files are trusted only
    when their size and mtime still match, so a cache that is out of date costs
    time, never correctness.
    """

    key: str = ""
    site: str = ""
    files: dict[str, FileState] = field(default_factory=dict)
    briefings: dict[str, BriefingSummary] = field(default_factory=dict)
    search_state: str | None = None
    compiled: dict[str, bytes] = field(default_factory=dict)  # Jinja bytecode by template
    cards: dict[str, str] = field(default_factory=dict)  # index entries and publisher items, by fingerprint

    @classmethod
    def load(cls, path: Path, key: str, site_dir: Path) -> RenderCache:
        fresh = cls(key=key, site=str(site_dir.resolve()))
        try:
            with open(path, "rb") as handle:
                cached = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, IndexError, KeyError,
                TypeError, ValueError):  # a torn, foreign or older cache is only a cold start
            return fresh
        if not isinstance(cached, cls) or cached.key != key:
            return fresh
        if cached.site != fresh.site:
            cached.site, cached.files, cached.search_state = fresh.site, {}, None
        return cached

    def prune(self, briefing_prints: set[str], page_prints: set[str]) -> None:
        """Forget briefings and index entries the site no longer has."""
        self.briefings = {k: v for k, v in self.briefings.items() if k in briefing_prints}
        self.cards = {k: v for k, v in self.cards.items() if k.split("\0", 1)[0] in page_prints}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL), durable=False)

    def current(self, site_dir: Path, rel: str, page_fingerprint: str) -> FileState | None:
        """The recorded state of ``rel`` when it was made from these inputs and is untouched since."""
        state = self.files.get(rel)
        if state is None or state.fingerprint != page_fingerprint:
            return None
        try:
            stat = os.lstat(os.path.join(site_dir, rel))  # not pathlib: this runs for every file
        except OSError:
            return None
        return state if state.matches(stat) else None
