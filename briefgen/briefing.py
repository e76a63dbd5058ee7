"""Briefing files: the hand-editable YAML under ``content/briefings/``, and the merge with hand edits.

Each briefing is one file, ``content/briefings/<slug>.yaml``, owned jointly by
the editor and the machine, plus a merge record,
``content/briefings/merge-records/<id>.json``, that remembers what the machine
last wrote there (so an edit can be told from a machine update), which fields
the editor took over, and which public ids and citation numbers were handed
out. The records are committed with the content: a fresh clone keeps every edit.

The stage runs in four steps, called by ``build``:

* ``load_all`` reads and validates every file (all problems at once, nothing
  written); an unchanged file is recognized by its hash and not parsed again,
  and with the stage cache (``.briefgen/briefings/``, in shards so a build
  rewrites only those of the briefings it changed) by its status, so it is
  not even read;
* ``plan`` decides which articles each briefing holds: existing briefings keep
  their members (editor moves, merges, exclusions and pins included) and new
  articles join the briefing their story overlaps most, else a new one;
* ``reconcile`` merges the machine's new extraction with the editor's file
  (rules in ``briefing_merge``) and lays out the file and record bytes, in
  worker processes when there are many briefings to merge; each file whose
  bytes change is staged in a temporary file beside it as it arrives;
* ``save_all`` puts the staged files in place, all of them through one
  journal, so a build killed at any moment leaves the old or the new state
  and the next run completes it.

A briefing whose file, record, membership and machine output are all as last
time costs no merge, and its extraction is not even read (the build's
mapping names what each came from): its Briefing comes from the stage cache.
The cache is disposable (the merge records stay the truth) and deleting it
gives the same result, only slower.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import pickle
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from .atomic import (
    Change,
    Staged,
    read_bytes,
    remove_stale_temps,
    sha256,
    stage,
    unstage,
)
from .briefing_members import Moves, slugify, transplants
from .briefing_members import plan as plan_members
from .briefing_merge import (
    MachineItem,
    MergeState,
    content_key,
    merge_section,
    merge_value,
)
from .briefing_schema import FORMAT_VERSION, SECTIONS
from .briefing_store import (
    RECORD_FORMAT,
    RECORDS_DIR,
    Plan,
    RecordSummary,
    Result,
    StageCache,
    Store,
    StoredBriefing,
    journal,
    linked_folder,
    load_store,
    shown_path,
    stat_key,
)
from .briefing_yaml import render
from .cache import paused_gc
from .config import Project
from .diagnostics import BriefgenError, ChangedMeanwhile, Problem
from .extract import find_disputes
from .models import (
    Article,
    Briefing,
    Claim,
    Dispute,
    Entity,
    Event,
    Extraction,
    Figure,
    Passage,
    Source,
)
from .pool import map_shared

__all__ = ["Plan", "SaveReport", "Store", "StoredBriefing", "check", "load_all", "plan",
           "reconcile", "save_all", "slugify"]


# ---------------------------------------------------------------------------
# Records passed to build
# ---------------------------------------------------------------------------

@dataclass
class SaveReport:
    """What ``save_all`` did, for the build summary."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    renamed: int = 0
    removed: int = 0
    edits_kept: int = 0
    written: list[str] = field(default_factory=list)  # paths relative to the project
    # Each file written or removed, by its path under content/: (size, mtime_ns) as
    # left, or None (see ``build.changed_meanwhile``).
    files: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"briefings: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.renamed} renamed, {self.removed} removed; "
                f"{self.edits_kept} hand edits kept")


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def load_all(project: Project) -> Store:
    """Read and validate every briefing file; raise BriefgenError listing every problem."""
    store, problems = load_store(project)
    if problems:
        raise BriefgenError(problems)
    return store


def check(project: Project) -> list[Problem]:
    """The validation of ``load_all``, for ``briefgen check``: problems, nothing written."""
    return load_store(project)[1]


# ---------------------------------------------------------------------------
# Merging
# ---------------------------------------------------------------------------

def _machine_items(extraction: Extraction) -> dict[str, list[MachineItem]]:
    """The machine's new output, as document items keyed by their content identity."""
    def passage(p: Passage) -> dict:
        return {"text": p.text, "sources": list(p.articles), "checked": False}

    out: dict[str, list[MachineItem]] = {}
    out["summary"] = [_keyed("summary", p.key, passage(p)) for p in extraction.summary]
    out["background"] = [_keyed("background", p.key, passage(p)) for p in extraction.background]
    out["figures"] = [_keyed("figures", f.key, {
        "kind": f.kind, "value": int(f.value), "qualifier": f.qualifier, "group": f.group,
        "cumulative": bool(f.cumulative), "period": f.period, "date": f.date,
        "reported_by": f.reported_by, "reporter_type": f.reporter_type, "source": f.article,
        "quote": f.quote, "checked": False, "note": f.note}) for f in extraction.figures]
    out["claims"] = [_keyed("claims", c.key, {
        "who": c.who, "what": c.what, "source": c.article, "quote": c.quote, "checked": False})
        for c in extraction.claims]
    out["timeline"] = [_keyed("timeline", e.key, {
        "date": e.date, "when": e.when, "text": e.text, "source": e.article, "quote": e.quote,
        "checked": False}) for e in extraction.events]
    for name, entities in (("actors", extraction.actors), ("places", extraction.places)):
        out[name] = [MachineItem(e.name, {"name": e.name, "kind": e.kind,
                                          "sources": list(e.articles)}) for e in entities]
    return out


def _keyed(section: str, key: str, fields: dict) -> MachineItem:
    return MachineItem(key or content_key(section, fields), fields)


def _source_fields(article: Article, copy_of: str | None) -> dict:
    return {"key": article.id, "title": article.title, "publisher": article.source,
            "url": article.url,
            "published": article.published.isoformat() if article.published else None,
            "author": article.author, "copy_of": copy_of}


def plan(store: Store, stories: list, articles: dict[str, Article], settings) -> list[Plan]:
    """Decide each briefing's articles (rules in ``briefing_members.plan``)."""
    with paused_gc():
        return plan_members(store, stories, articles, settings)


def reconcile(store: Store, plans: list[Plan], extractions: Mapping[str, Extraction],
              articles: dict[str, Article], jobs: int = 1,
              merged: Callable[[str], None] | None = None) -> list[Briefing]:
    """Merge each planned briefing's new extraction with the editor's file, and stage
    the changed files ``save_all`` puts in place.

    Disputes are found again on the merged figures, so the editor's corrections
    count. With ``jobs`` > 1 and many briefings to merge, the merges run in
    worker processes; the result is the same. If the merge fails, nothing
    staged is left behind. ``merged(id)`` is told as each briefing's merge
    arrives (the build then lets go of its extraction).
    """
    try:
        with paused_gc():
            return _reconcile(store, plans, extractions, articles, jobs, merged)
    except BaseException:
        remove_staged(store)
        raise


def remove_staged(store: Store) -> None:
    """Delete every staged file not put in place (a killed run's too)."""
    remove_stale_temps(store.folder)
    remove_stale_temps(store.folder / RECORDS_DIR)


#: From this many briefings to merge on, worker processes cost less than they save.
MIN_PARALLEL_MERGES = 256


@dataclass
class _Merge:
    """One briefing to merge: what ``plan`` decided for it, and its machine fingerprint
    when the stage cache already knew it."""

    id: str
    slug: str
    members: list[str]
    copies: dict[str, str]
    excluded: list[str]
    planned: bool  # False for a handmade briefing: no extraction
    machine: str | None


@dataclass
class _Merging:
    """What every merge reads and none changes: shared with the worker processes."""

    store: Store
    extractions: Mapping[str, Extraction]
    articles: dict[str, Article]
    redirects: dict[str, list[str]]
    live_slugs: set[str]
    moves: Moves
    merges: list[_Merge]


def _reconcile(store: Store, plans: list[Plan], extractions: Mapping[str, Extraction],
               articles: dict[str, Article], jobs: int,
               merged: Callable[[str], None] | None) -> list[Briefing]:
    redirects: dict[str, list[str]] = {}
    for bid, target in sorted(store.dissolved.items()):
        if target is None:
            continue
        gone = store.briefings[bid]
        redirects.setdefault(target, []).extend(
            [gone.slug] + list((gone.doc or gone.written).get("old_slugs", [])))
    live_slugs = {p.slug for p in plans} | {store.briefings[b].slug for b in store.handmade}
    moves = transplants(store, plans)
    store.results = {}
    briefings: list[Briefing] = []
    handmade = iter(store.handmade)
    cache = store.cache if store.cache is not None else StageCache(None)
    merges: list[_Merge] = []
    quick_keys: dict[str, str] = {}  # merge id: its machine quick key, when the cache lacked it
    for plan_ in plans + [None] * len(store.handmade):
        bid = plan_.id if plan_ is not None else next(handmade)
        stored = store.briefings.get(bid)
        slug = plan_.slug if plan_ is not None else stored.slug
        members = plan_.article_ids if plan_ is not None else []
        copies = plan_.copies if plan_ is not None else {}
        excluded = store.excluded.get(bid, [])
        extraction = _Extraction(extractions, bid if plan_ is not None else None)
        quick = _machine_quick_key(extraction, members, copies, articles)
        machine = cache.get("machine", quick, bid) if quick is not None else None
        summary = stored.summary if stored is not None else None
        if summary is not None and stored.unchanged and summary.slug == slug and \
                list(summary.articles) == members and list(summary.excluded) == excluded and \
                not redirects.get(bid) and not moves.touches(bid) and \
                not live_slugs & set(summary.old_slugs):
            if machine is None:
                machine = _machine_fingerprint(extraction, members, copies, articles)
                if quick is not None:
                    cache.put("machine", quick, machine, bid)
            if summary.machine == machine:
                # Same file, same machine output, same membership: last result stands.
                store.results[bid] = Result(summary.edits, unchanged=True)
                briefing, store.digests[bid] = _recorded_briefing(stored, cache)
                briefings.append(briefing)
                continue
        if machine is None and quick is not None:
            quick_keys[bid] = quick
        merges.append(_Merge(bid, slug, members, copies, excluded, plan_ is not None, machine))
    merging = _Merging(store, extractions, articles, redirects, live_slugs, moves, merges)
    indexes = list(range(len(merges)))
    results = None
    staged = partial(_stage_files, store.folder, merged)
    if jobs > 1 and len(merges) >= MIN_PARALLEL_MERGES:
        results = map_shared(_merge_and_lay_out, merging, indexes, jobs, chunksize=32, receive=staged)
    if results is None:
        results = [staged(_merge_and_lay_out(merging, i)) for i in indexes]
    for merge, (result, machine) in zip(merges, results):
        if merge.id in quick_keys:
            cache.put("machine", quick_keys[merge.id], machine, merge.id)
        store.results[merge.id] = result
        store.digests[merge.id] = sha256(result.frozen)
        briefings.append(thaw_briefing(result.frozen, whole=True))  # its page is rendered anew
    return sorted(briefings, key=lambda b: b.slug)


class _LaidOut(NamedTuple):
    """What a merge sends back: small, or bytes (the merged document stays where it was made)."""

    id: str
    result: Result
    machine: str  # the machine fingerprint, for the parent's stage cache
    file: bytes | None  # the new file; None: the one on disk says exactly this
    record: bytes | None  # the new record; likewise


def _merge_and_lay_out(merging: _Merging, index: int) -> _LaidOut:
    """One briefing merged, its Briefing frozen and its file and record laid out as
    bytes (None: as on disk); with the machine fingerprint, for the parent's
    stage cache.

    Everything a worker sends back is bytes or small: the merged document
    itself stays in the worker.
    """
    merge = merging.merges[index]
    bid = merge.id
    stored = merging.store.briefings.get(bid)
    extraction = _Extraction(merging.extractions, bid if merge.planned else None)
    machine = merge.machine or _machine_fingerprint(extraction, merge.members, merge.copies,
                                                    merging.articles)
    doc, state, edits = _merge_one(bid, merge.slug, stored, merge.members, merge.copies,
                                   extraction.value(), merging.articles, merge.excluded,
                                   merging.redirects.get(bid, []), merging.live_slugs, merging.moves)
    figures = [_figure(f, state) for f in doc["figures"]]
    published = {s["key"]: s["published"] for s in doc["sources"]}
    doc["disputes"] = [{"type": d.type, "figures": list(d.figures), "note": d.note or None}
                       for d in find_disputes(figures, published)]
    record = {"format": RECORD_FORMAT, "id": bid, "slug": merge.slug, "written": doc,
              "machine": machine, "edits": edits, **state.as_record()}
    briefing = _briefing(doc, state, figures, _disputes(doc))
    name = f"{merge.slug}.yaml"
    current = merging.store.current_bytes(name)
    previous = stored.record if stored is not None else None
    if previous is not None and current is not None and \
            sha256(current) == previous.get("yaml_sha256") and doc == previous["written"]:
        data, layout = current, previous.get("layout", "kept")  # unchanged: not even rendered
    else:
        data, layout = _render(stored, doc)
    record.update(yaml_sha256=sha256(data), layout=layout)
    result = Result(edits, name=name, current=current, record=RecordSummary.of(record),
                    frozen=freeze_briefing(briefing))
    return _LaidOut(bid, result, machine, data if data != current else None,
                    _record_bytes(record) if record != previous else None)


def _stage_files(folder: Path, merged: Callable[[str], None] | None,
                 laid_out: _LaidOut) -> tuple[Result, str]:
    """Write a merge's new file and record beside their targets as it arrives, so
    that tens of thousands of them never wait in memory for the commit; then
    tell ``merged``."""
    result = laid_out.result
    if laid_out.file is not None:
        result.file = stage(folder / result.name, laid_out.file)
    if laid_out.record is not None:
        result.record_file = stage(folder / RECORDS_DIR / f"{laid_out.id}.json", laid_out.record)
    if merged is not None:
        merged(laid_out.id)
    return result, laid_out.machine


#: Changes whenever the merge itself changes, so no earlier result is reused then.
MERGE_VERSION = 1


class _Extraction:
    """One briefing's extraction, fetched from the mapping only when it is needed.

    The build's mapping reads each extraction from its cache on demand and can
    name what it was computed from (``key``); an unchanged briefing then needs
    only that name, so its extraction is never read.
    """

    def __init__(self, extractions: Mapping[str, Extraction], bid: str | None):
        self._extractions = extractions
        self._bid = bid
        self._value: Extraction | None = None
        self._fetched = bid is None

    def source_key(self) -> str | None:
        """The mapping's key for the extraction: equal keys, equal extractions."""
        key_of = getattr(self._extractions, "key", None)
        if self._bid is None or not callable(key_of):
            return None
        try:
            key = key_of(self._bid)
        except KeyError:
            return None
        return key if isinstance(key, str) else None

    def value(self) -> Extraction | None:
        if not self._fetched:
            self._value = self._extractions.get(self._bid)
            self._fetched = True
        return self._value


def _machine_details(members: list[str], copies: dict[str, str],
                     articles: dict[str, Article]) -> tuple[list, list]:
    """The member articles' details and the wire copies, as the machine fingerprint counts them."""
    sources = [(a, articles[a].title, articles[a].source, articles[a].url,
                articles[a].published.isoformat() if articles[a].published else None,
                articles[a].author) for a in members]
    return sources, sorted(copies.items())


def _machine_quick_key(extraction: _Extraction, members: list[str], copies: dict[str, str],
                       articles: dict[str, Article]) -> str | None:
    """The stage cache's key for a briefing's machine fingerprint: a hash of the
    extraction's source key when the build's mapping has one (the extraction is
    then not even read), else of the values themselves."""
    sources, copied = _machine_details(members, copies, articles)
    source_key = extraction.source_key()
    if source_key is not None:
        return _source_quick_key(source_key, sources, copied)
    return _quick_key(extraction.value(), sources, copied)


def _machine_fingerprint(extraction: _Extraction, members: list[str], copies: dict[str, str],
                         articles: dict[str, Article]) -> str:
    """A hash of everything the machine contributes to a briefing, over a canonical JSON text."""
    sources, copied = _machine_details(members, copies, articles)
    body = json.dumps([MERGE_VERSION, extraction.value(), sources, copied],
                      default=lambda o: o.__dict__, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


def _source_quick_key(source_key: str, sources: list, copied: list) -> str | None:
    """A fast hash of what the machine's values come from: the extraction's source key
    (its articles' bytes), the extraction code, and the member articles' details."""
    try:
        data = marshal.dumps((MERGE_VERSION, "source", _extract_version(), source_key, sources,
                              copied), 0)
    except ValueError:
        return None
    return hashlib.sha256(data).hexdigest()


def _extract_version() -> str:
    """The extraction code (as the build's extraction cache counts it): a new version
    gives new values for the same articles."""
    global _EXTRACT_VERSION
    if _EXTRACT_VERSION is None:
        package = Path(__file__).resolve().parent
        digest = hashlib.sha256()
        for path in sorted([*(package / "extract").rglob("*.py"), package / "models.py"]):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
        _EXTRACT_VERSION = digest.hexdigest()
    return _EXTRACT_VERSION


_EXTRACT_VERSION: str | None = None


def _quick_key(extraction: Extraction | None, sources: list, copied: list) -> str | None:
    """A fast hash of the machine's values: equal bytes mean equal values.

    marshal format 0 writes every value by type and content alone (no
    references, no interning marks), so the same values give the same bytes.
    """
    parts = None if extraction is None else \
        [[(type(i).__name__, tuple(i.__dict__.items())) for i in v]
         if type(v) is list and v and hasattr(v[0], "__dataclass_fields__") else v
         for v in extraction.__dict__.values()]
    try:
        data = marshal.dumps((MERGE_VERSION, type(extraction).__name__, parts, sources, copied), 0)
    except ValueError:  # a value marshal cannot write: the full hash is computed instead
        return None
    return hashlib.sha256(data).hexdigest()


def _disputes(doc: dict) -> list[Dispute]:
    return [Dispute(d["type"], list(d["figures"]), d["note"] or "") for d in doc["disputes"]]


_MODELS = {cls.__name__: cls for cls in (Briefing, Claim, Dispute, Entity, Event, Figure,
                                          Passage, Source)}


#: What every build needs of every briefing, changed or not (its page's place
#: and its place in the lists); the rest is read only for pages rendered anew.
#: Fields with a plain default (``notes``) must be here: the class attribute
#: holding the default would answer for them before ``LazyBriefing`` could.
HEAD_FIELDS = ("id", "slug", "title", "articles", "old_slugs", "pinned", "updated", "notes")


def freeze_briefing(briefing: Briefing) -> bytes:
    """A Briefing as bytes for the stage cache: flattened and marshalled.

    marshal reads back several times faster than pickle, which matters for
    the thousands of unchanged briefings a build hands on; the fields outside
    ``HEAD_FIELDS`` are marshalled once more on their own, so that handing on
    a briefing whose page is not rendered again never unpacks them. Anything
    marshal cannot hold falls back to pickle.
    """
    if type(briefing) is LazyBriefing:
        briefing.thaw()
    try:
        head, body = [], []
        for name, value in briefing.__dict__.items():
            part = head if name in HEAD_FIELDS else body
            if type(value) is list and value and hasattr(value[0], "__dataclass_fields__"):
                kind = type(value[0])
                keys = tuple(value[0].__dict__)
                rows = []
                for item in value:
                    if type(item) is not kind or tuple(item.__dict__) != keys:
                        raise ValueError(name)
                    rows.append(tuple(item.__dict__.values()))
                if _MODELS.get(kind.__name__) is not kind:
                    raise ValueError(name)
                part.append((name, kind.__name__, keys, rows))
            else:
                part.append((name, None, None, value))
        if type(briefing) is not Briefing:
            raise ValueError("briefing")
        return b"l" + marshal.dumps((head, marshal.dumps(body, 2)), 2)
    except ValueError:
        return b"p" + pickle.dumps(briefing, protocol=pickle.HIGHEST_PROTOCOL)


def thaw_briefing(blob: bytes, whole: bool = False) -> Briefing:
    """The Briefing ``freeze_briefing`` made the bytes of: its head fields now, the
    rest on first use (see ``LazyBriefing``), or all at once when ``whole``.

    A briefing whose page will be rendered is thawed whole: unpacking it later,
    in the render stage, would leave its packed bytes' memory behind as holes
    among the render's own objects.
    """
    if blob[:1] == b"p":
        return pickle.loads(blob[1:])
    if blob[:1] != b"l":
        raise ValueError("not a frozen briefing")
    head, body = marshal.loads(blob[1:])
    briefing = object.__new__(LazyBriefing)
    _unflatten(briefing.__dict__, head)
    briefing.__dict__["_body"] = body
    if whole:
        briefing.thaw()
    return briefing


def _unflatten(target: dict, parts: list) -> None:
    """Set the flattened fields ``parts`` in ``target`` (an object's __dict__)."""
    new = object.__new__
    for name, item_kind, keys, value in parts:
        if item_kind is None:
            target[name] = value
            continue
        kind = _MODELS[item_kind]
        items = []
        for row in value:
            item = new(kind)
            item.__dict__.update(zip(keys, row))
            items.append(item)
        target[name] = items


_FIELD_ORDER = tuple(f.name for f in dataclass_fields(Briefing))


class LazyBriefing(Briefing):
    """A thawed Briefing whose fields outside ``HEAD_FIELDS`` are unpacked on first use.

    At ten thousand briefings, unpacking every unchanged one on every build
    cost about 0.4 s and held all of them in memory, while the site needs only
    their heads (slug, title, dates) to place them. Reading any other field
    unpacks the rest, after which the object is a plain Briefing.
    """

    def __getattr__(self, name: str):
        # called only for attributes not set: the body's fields before the thaw
        if name.startswith("__") or "_body" not in self.__dict__:
            raise AttributeError(name)
        self.thaw()
        return getattr(self, name)

    def thaw(self) -> None:
        """Unpack the rest; from then on this is a plain Briefing."""
        state = self.__dict__
        body = state.pop("_body", None)
        if body is not None:
            _unflatten(state, marshal.loads(body))
            ordered = {name: state[name] for name in _FIELD_ORDER}  # as the constructor orders them
            state.clear()
            state.update(ordered)
        self.__class__ = Briefing

    def __eq__(self, other: object) -> bool:
        self.thaw()
        return self == other

    def unpacked(self) -> Briefing:
        """A whole copy, this one left packed: for reading the body of every briefing
        once (the render stage's link facts, after its cache went stale) without
        keeping a hundred thousand of them whole (some 400 MiB)."""
        if "_body" not in self.__dict__:
            return self
        copy = object.__new__(LazyBriefing)
        copy.__dict__.update(self.__dict__)
        copy.thaw()
        return copy


def _recorded_briefing(stored: StoredBriefing, cache: StageCache) -> tuple[Briefing, str]:
    """The Briefing of a file and record left as they were (from the cache, else
    rebuilt), and the digest of its frozen form."""
    blob = cache.get("briefings", stored.record_sha256, stored.id) if stored.record_sha256 else None
    if blob is not None:
        try:
            return thaw_briefing(blob), sha256(blob)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError,
                ValueError, KeyError):
            pass
    doc, state = stored.written, MergeState.from_record(stored.record)
    blob = freeze_briefing(_briefing(doc, state, [_figure(f, state) for f in doc["figures"]], _disputes(doc)))
    if stored.record_sha256:
        cache.put("briefings", stored.record_sha256, blob, stored.id)
    stored.forget_record()
    return thaw_briefing(blob), sha256(blob)  # handed on as its head, like a cached one


def _merge_one(bid: str, slug: str, stored: StoredBriefing | None, members: list[str],
               copies: dict[str, str], extraction: Extraction | None,
               articles: dict[str, Article], excluded: list[str], redirected: list[str],
               live_slugs: set[str], moves: Moves) -> tuple[dict, MergeState, int]:
    ours = stored.doc if stored is not None else None
    written = stored.written if stored is not None else {}
    record = stored.record if stored is not None else None
    state = MergeState.from_record(record)
    edits = 0

    top_owned = set(state.owned.get("top", []))
    machine_title = extraction.title if extraction is not None else \
        (written.get("title") or (ours or {}).get("title") or slug)
    title = merge_value("title", ours, written, machine_title, top_owned)
    state.owned["top"] = sorted(top_owned)
    edits += len(top_owned)

    theirs = _machine_items(extraction) if extraction is not None else {}
    theirs["sources"] = _machine_sources(state, ours, written, members, copies, articles)

    doc: dict[str, Any] = {"version": FORMAT_VERSION, "id": bid, "slug": slug, "title": title,
                           "pinned": bool((ours or {}).get("pinned", False))}
    deleted: dict[str, list[str]] = {}
    for name in ("summary", "figures", "claims", "actors", "places", "timeline", "background",
                 "sources"):
        result = merge_section(SECTIONS[name], ours, written, theirs.get(name, []), state,
                               moves.incoming.get(bid, {}).get(name, []),
                               moves.deleted.get(bid, {}).get(name, []),
                               moves.moved_out.get(bid, {}).get(name, set()))
        doc[name] = result.items
        edits += result.edits_kept
        if result.deleted:
            deleted[name] = result.deleted
    pool = dict(moves.sources.get("", {}))
    pool.update(moves.sources.get(bid, {}))
    _complete_sources(doc, state, written, articles, pool)
    doc["disputes"] = []
    doc["articles"] = sorted(members)
    if excluded:
        doc["excluded"] = sorted(excluded)
        edits += len(excluded)
    old_slugs = set((ours if ours is not None and "old_slugs" in ours else written).get("old_slugs", []))
    if record is not None and record.get("slug") and record["slug"] != slug:
        old_slugs.add(record["slug"])
    old_slugs.update(redirected)
    old_slugs -= live_slugs
    if old_slugs:
        doc["old_slugs"] = sorted(old_slugs)
    if deleted:
        doc["deleted"] = deleted
    notes = [n for n in [(ours or {}).get("notes")] + moves.notes.get(bid, []) if n]
    doc["notes"] = "\n\n".join(notes) if notes else None
    order = ("version", "id", "slug", "title", "pinned", "summary", "figures", "disputes", "claims",
             "actors", "places", "timeline", "background", "sources", "articles", "excluded",
             "old_slugs", "deleted", "notes")
    return {k: doc[k] for k in order if k in doc}, state, edits


def _machine_sources(state: MergeState, ours: dict | None, written: dict, members: list[str],
                     copies: dict[str, str], articles: dict[str, Article]) -> list[MachineItem]:
    """One source per member article, numbered once: a citation number never changes."""
    known_refs = [s.get("ref") for s in (ours or {}).get("sources", []) + written.get("sources", [])]
    top = max([r for r in known_refs if isinstance(r, int)] + list(state.refs.values()) + [0])
    state.next["ref"] = max(state.next.get("ref", 1), top + 1)
    for entry in (ours or {}).get("sources", []) + written.get("sources", []):
        if isinstance(entry.get("ref"), int) and entry.get("key") and entry["key"] not in state.refs:
            state.refs[entry["key"]] = entry["ref"]
    ordered = sorted(members, key=lambda a: (articles[a].published is None,
                                             articles[a].published or "", a))
    items = []
    for article_id in ordered:
        if article_id not in state.refs:
            state.refs[article_id] = state.next["ref"]
            state.next["ref"] += 1
        fields = _source_fields(articles[article_id], copies.get(article_id))
        items.append(MachineItem(article_id, dict(fields, ref=state.refs[article_id])))
    return items


def _complete_sources(doc: dict, state: MergeState, written: dict, articles: dict[str, Article],
                      pool: dict[str, dict]) -> None:
    """Every cited key has a source entry; every entry has a unique number; listed by number."""
    sources = doc["sources"]
    have = {s["key"] for s in sources}
    cited: list[str] = []
    for name in ("summary", "figures", "claims", "timeline", "background", "actors", "places"):
        for item in doc[name]:
            if item.get("source"):
                cited.append(item["source"])
            cited.extend(item.get("sources") or [])
    previous = {s["key"]: s for s in written.get("sources", [])}
    for key in cited:
        if key in have:
            continue
        if key in previous:
            sources.append(dict(previous[key]))
        elif key in articles:
            sources.append(dict(_source_fields(articles[key], None), ref=state.refs.get(key)))
        elif key in pool:  # cited by an item that came from another briefing
            sources.append(dict(pool[key], ref=state.refs.get(key)))
        else:  # never happens with validated input; a citation must still resolve
            sources.append({"key": key, "title": key, "ref": state.refs.get(key)})
        have.add(key)
    used: set[int] = set()
    for entry in sources:
        ref = entry.get("ref")
        if not isinstance(ref, int) or ref in used:
            ref = state.refs.get(entry["key"])
            if ref is None or ref in used:
                ref = max([state.next.get("ref", 1)] + [r + 1 for r in used])
                state.next["ref"] = ref + 1
            entry["ref"] = ref
        state.refs.setdefault(entry["key"], ref)
        used.add(ref)
    for entry in sources:
        if entry.get("copy_of") and entry["copy_of"] not in have:
            entry["copy_of"] = None
    sources.sort(key=lambda s: s["ref"])
    ordered_fields = SECTIONS["sources"].fields
    doc["sources"] = [{f: s.get(f) if f != "title" else (s.get("title") or s["key"])
                       for f in ordered_fields} for s in sources]


def _origin(state: MergeState, section: str, ident: str) -> str:
    return "machine" if state.is_machine(section, ident) else "editor"


def _key_of(state: MergeState, section: str, ident: str) -> str:
    return state.key_of(section, ident) or ""


def _figure(item: dict, state: MergeState) -> Figure:
    return Figure(kind=item["kind"], value=item["value"], article=item["source"],
                  quote=item["quote"] or "", group=item["group"], cumulative=item["cumulative"],
                  period=item["period"], reported_by=item["reported_by"],
                  reporter_type=item["reporter_type"], qualifier=item["qualifier"],
                  date=item["date"], key=_key_of(state, "figures", item["id"]), id=item["id"],
                  checked=item["checked"], origin=_origin(state, "figures", item["id"]),
                  note=item["note"])


def _briefing(doc: dict, state: MergeState, figures: list[Figure],
              disputes: list[Dispute]) -> Briefing:
    """The Briefing the site shows, from a merged document."""
    def passages(name: str) -> list[Passage]:
        return [Passage(text=p["text"], articles=list(p["sources"]), key=_key_of(state, name, p["id"]),
                        id=p["id"], checked=p["checked"], origin=_origin(state, name, p["id"]))
                for p in doc[name]]

    machine_sources = state.machine_ids("sources")
    sources = [Source(key=s["key"], ref=s["ref"], title=s["title"], publisher=s["publisher"],
                      url=s["url"], published=s["published"], author=s["author"],
                      copy_of=s["copy_of"],
                      origin="machine" if s["key"] in machine_sources else "editor")
               for s in doc["sources"]]
    dates = [s.published for s in sources if s.published]
    return Briefing(
        id=doc["id"], slug=doc["slug"], title=doc["title"], articles=list(doc["articles"]),
        summary=passages("summary"), figures=figures, disputes=disputes,
        claims=[Claim(who=c["who"], what=c["what"], article=c["source"], quote=c["quote"] or "",
                      key=_key_of(state, "claims", c["id"]), id=c["id"], checked=c["checked"],
                      origin=_origin(state, "claims", c["id"])) for c in doc["claims"]],
        actors=[Entity(e["name"], e["kind"], list(e["sources"])) for e in doc["actors"]],
        places=[Entity(e["name"], e["kind"], list(e["sources"])) for e in doc["places"]],
        events=[Event(text=e["text"], article=e["source"], quote=e["quote"] or "", date=e["date"],
                      when=e["when"], key=_key_of(state, "timeline", e["id"]), id=e["id"],
                      checked=e["checked"], origin=_origin(state, "timeline", e["id"]))
                for e in doc["timeline"]],
        background=passages("background"), sources=sources, notes=doc.get("notes"),
        old_slugs=list(doc.get("old_slugs", [])), pinned=doc["pinned"],
        updated=max(dates) if dates else None)


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------

#: ``json.dumps(value, ensure_ascii=False, sort_keys=True)``, without a new encoder per call.
_RECORD_VALUE = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


def _record_bytes(record: dict) -> bytes:
    """One line per top-level key: readable, and encoded by json's fast C encoder."""
    lines = [f"{json.dumps(key)}: {_RECORD_VALUE(record[key])}" for key in sorted(record)]
    text = "{\n" + ",\n".join(lines) + "\n}\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (an article id from a non-UTF-8 file name)
        return (json.dumps(record, sort_keys=True) + "\n").encode("ascii")


def _render(stored: StoredBriefing | None, doc: dict) -> tuple[bytes, str]:
    """A file in the house layout, unless the editor has touched it: then their layout, updated."""
    editor_text = None
    if stored is not None and stored.file is not None:
        summary = stored.summary
        if summary is None or summary.layout != "house" or \
                stored.file_sha256 != summary.yaml_sha256:
            editor_text = stored.text  # read only now: a house-layout file is written afresh
    try:
        text, layout = render(doc, editor_text)
    except ValueError:
        odd = next((s for s in _strings(doc) if _SURROGATE.search(s)), None)
        where = f"content/briefings/{doc['slug']}.yaml"
        if odd is not None:  # YAML (and Unicode text files) cannot hold it: say which value
            raise BriefgenError(Problem(where, f"cannot be written: {odd.encode('utf-8', 'replace')!r}"
                                        " is not valid Unicode (an article file name that is not "
                                        "UTF-8?); rename that file")) from None
        raise
    return text.encode("utf-8"), layout


_SURROGATE = re.compile("[\ud800-\udfff]")


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for entry in value.values():
            yield from _strings(entry)
    elif isinstance(value, list):
        for entry in value:
            yield from _strings(entry)


def save_all(project: Project, store: Store, briefings: list[Briefing]) -> SaveReport:
    """Put the files ``reconcile`` staged in place, all through one journal; remove the
    files of dissolved briefings."""
    try:
        with paused_gc():
            return _save_all(project, store, briefings)
    except BaseException:
        remove_staged(store)
        raise


def _check_unchanged_since_read(project: Project, store: Store, changes: list[Change]) -> None:
    """Raise if a briefing file about to be written or removed is no longer what
    ``load_all`` read: an editor saved it while the build ran, and writing over it
    would lose that edit. Nothing is written then; the next build merges it.
    """
    loaded = {stored.file: stored.file_sha256 for stored in store.briefings.values() if stored.file}
    try:
        present = set(os.listdir(store.folder))  # one listing, not a failed open per new file
    except OSError:
        present = set()
    for change in changes:
        if "/" in change.path:  # a merge record: briefgen's own
            continue
        expected = loaded.get(change.path)
        if expected is None:
            changed = change.path in present  # a file where there was none
        else:
            now = read_bytes(store.folder / change.path)
            changed = now is None or sha256(now) != expected
        if changed:
            raise ChangedMeanwhile(Problem(shown_path(project)(change.path),
                                           "changed while the build ran; nothing was written, so the "
                                           "change is kept: run the build again to merge it"))


def _save_all(project: Project, store: Store, briefings: list[Briefing]) -> SaveReport:
    folder = store.folder
    report = SaveReport()
    if linked_folder(project) is not None:  # load_all refused it already; never write through it
        raise BriefgenError(Problem(str(linked_folder(project)), "is a symbolic link; not written"))
    under_content = folder.relative_to(project.content_dir).as_posix()

    def left(rel: str) -> tuple | None:
        """Note the file as this build leaves it (for ``build.changed_meanwhile``); its stat_key."""
        status = stat_key(folder / rel)
        report.files[f"{under_content}/{rel}"] = None if status is None else (status[2], status[3])
        return status

    pending = journal(folder)
    if pending.path.exists():  # a killed build's changes: what load_all already read
        pending.replay()
        for rel in [*store.undone, pending.path.relative_to(folder).as_posix()]:
            left(rel)
    changes: list[Change] = []
    keep: set[str] = set()
    cache = store.cache if store.cache is not None else StageCache(None)
    fresh_records: dict[str, tuple[str, Result]] = {}  # record path: briefing id, its merge

    def change(rel: str, data: Staged | None, current: Any = False) -> bool:
        if current is False:
            current = read_bytes(folder / rel)
        if data is None and current is None:
            return False
        if data is not None and current is not None and sha256(current) == data.digest:
            unstage(data)
            return False
        changes.append(Change(rel, data, current))
        return True

    for briefing in sorted(briefings, key=lambda b: b.id):
        result = store.results[briefing.id]
        stored = store.briefings.get(briefing.id)
        report.edits_kept += result.edits
        if result.unchanged:  # file and record on disk already say exactly this
            keep.add(stored.file)
            report.unchanged += 1
            continue
        keep.add(result.name)
        if result.file is not None and change(result.name, result.file, result.current):
            report.written.append(result.name)
            if result.current is None:
                report.created += 1
            else:
                report.updated += 1
        else:
            report.unchanged += 1
        rel = f"{RECORDS_DIR}/{briefing.id}.json"
        if result.record_file is not None:
            change(rel, result.record_file)
        elif stored.record_sha256:  # the record on disk already says exactly this
            cache.put("briefings", stored.record_sha256, result.frozen, briefing.id)
        fresh_records[rel] = (briefing.id, result)
        if stored is not None and stored.file and stored.file != result.name:
            report.renamed += 1
    for briefing in briefings:
        stored = store.briefings.get(briefing.id)
        if stored is not None and stored.file and stored.file not in keep:
            change(stored.file, None)
    for bid in sorted(store.dissolved):
        stored = store.briefings[bid]
        if stored.file and stored.file not in keep:
            change(stored.file, None)
        change(f"{RECORDS_DIR}/{bid}.json", None)
        report.removed += 1
    if changes:
        _check_unchanged_since_read(project, store, changes)
        pending.commit(changes)
    for done in changes:  # what is on disk now, so the next build need not read it
        status = left(done.path)
        if done.data is None:
            cache.forget_file(done.path)
            continue
        digest = done.digest()
        cache.note_file(done.path, status, digest)
        if done.path in fresh_records:
            bid, result = fresh_records[done.path]
            cache.put("summaries", digest, result.record, bid)
            cache.put("briefings", digest, result.frozen, bid)
    cache.save()
    remove_staged(store)
    rel_folder = shown_path(project)
    report.written = [rel_folder(n) for n in report.written]
    return report
