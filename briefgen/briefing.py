"""Briefing files: the hand-editable YAML under ``content/briefings/``, and the merge with hand edits.

Each briefing is one file, ``content/briefings/<slug>.yaml``, owned jointly by
the editor and the machine, plus a merge record,
``content/briefings/merge-records/<id>.json``, that remembers what the machine
last wrote there (so an edit can be told from a machine update), which fields
the editor took over, and which public ids and citation numbers were handed
out. The records are committed with the content: a fresh clone keeps every edit.

The stage runs in four steps, called by ``build``:

* ``load_all`` reads and validates every file (all problems at once, nothing
  written); an unchanged file is recognized by its hash and not parsed again;
* ``plan`` decides which articles each briefing holds: existing briefings keep
  their members (editor moves, merges, exclusions and pins included) and new
  articles join the briefing their story overlaps most, else a new one;
* ``reconcile`` merges the machine's new extraction with the editor's file
  (rules in ``briefing_merge``);
* ``save_all`` writes only the files whose bytes change, all of them through
  one journal, so a build killed at any moment leaves the old or the new state
  and the next run completes it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .atomic import Change, Journal, read_bytes, remove_stale_temps, sha256
from .briefing_merge import MachineItem, MergeState, merge_section, merge_value
from .briefing_schema import FORMAT_VERSION, SECTIONS, SLUG_RE, read_tree, tree_to_document
from .briefing_yaml import render
from .config import Project, Settings
from .diagnostics import BriefgenError, Problem
from .models import (Article, Briefing, Claim, Dispute, Entity, Event, Extraction, Figure,
                     Passage, Source, Story)
from .safeyaml import MAX_YAML_BYTES

RECORDS_DIR = "merge-records"
JOURNAL_FILE = "journal.json"
RECORD_FORMAT = 1


# ---------------------------------------------------------------------------
# Records passed to build
# ---------------------------------------------------------------------------

@dataclass
class Plan:
    """One briefing's membership for this build: what ``extract`` runs on."""

    id: str
    slug: str
    article_ids: list[str]  # sorted
    copies: dict[str, str] = field(default_factory=dict)  # wire copy -> article it copies


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

    def __str__(self) -> str:
        return (f"briefings: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.renamed} renamed, {self.removed} removed; "
                f"{self.edits_kept} hand edits kept")


@dataclass
class StoredBriefing:
    """One briefing as found on disk: the editor's file and its merge record."""

    id: str
    slug: str  # the slug it has now (after an editor's rename)
    file: str | None  # file name under content/briefings/; None when the editor deleted it
    text: str | None  # the file's text
    doc: dict | None  # the editor's document; None when the file is gone (all handed back)
    record: dict | None  # the merge record; None for a file the editor created

    @property
    def written(self) -> dict:
        return (self.record or {}).get("written", {})

    def listed_articles(self) -> list[str]:
        if self.doc is not None and "articles" in self.doc:
            return list(self.doc["articles"])
        return list(self.written.get("articles", []))

    @property
    def pinned(self) -> bool:
        return bool((self.doc or {}).get("pinned", False))

    @property
    def merged_into(self) -> str | None:
        return (self.doc or {}).get("merged_into")


@dataclass
class _Result:
    doc: dict
    record: dict
    edits: int


@dataclass
class Store:
    """Every briefing file and merge record of a project, validated."""

    folder: Path
    briefings: dict[str, StoredBriefing]
    owner_hint: dict[str, str] = field(default_factory=dict)  # article -> briefing that newly lists it
    merge_target: dict[str, str] = field(default_factory=dict)  # id -> id it is merged into
    # Filled by plan() and reconcile():
    plans: dict[str, Plan] = field(default_factory=dict)
    excluded: dict[str, list[str]] = field(default_factory=dict)
    handmade: list[str] = field(default_factory=list)  # kept with no articles (editor content)
    dissolved: dict[str, str | None] = field(default_factory=dict)  # id -> id its slugs redirect to
    results: dict[str, _Result] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def _journal(folder: Path) -> Journal:
    return Journal(folder, folder / RECORDS_DIR / JOURNAL_FILE)


def load_all(project: Project) -> Store:
    """Read and validate every briefing file; raise BriefgenError listing every problem."""
    store, problems = _load(project)
    if problems:
        raise BriefgenError(problems)
    return store


def check(project: Project) -> list[Problem]:
    """The validation of ``load_all``, for ``briefgen check``: problems, nothing written."""
    return _load(project)[1]


def _load(project: Project) -> tuple[Store, list[Problem]]:
    folder = project.briefings_dir
    shown = _shown_path(project)
    store = Store(folder, {})
    problems: list[Problem] = []
    if not folder.is_dir():
        return store, problems
    view = _journal(folder).pending_view()

    def read(rel: str) -> bytes | None:
        return view[rel] if rel in view else read_bytes(folder / rel)

    records: dict[str, dict] = {}
    record_names = {p.name for p in (folder / RECORDS_DIR).glob("*.json")} if \
        (folder / RECORDS_DIR).is_dir() else set()
    record_names |= {r.split("/", 1)[1] for r, d in view.items()
                     if r.startswith(RECORDS_DIR + "/") and d is not None}
    record_names -= {r.split("/", 1)[1] for r, d in view.items()
                     if r.startswith(RECORDS_DIR + "/") and d is None}
    record_names.discard(JOURNAL_FILE)
    for name in sorted(record_names):
        rel = f"{RECORDS_DIR}/{name}"
        record, problem = _read_record(read(rel), shown(rel))
        if problem:
            problems.append(problem)
        elif record is not None:
            if record["id"] in records or name != f"{record['id']}.json":
                problems.append(Problem(shown(rel), f"merge record for '{record['id']}' is "
                                        "misnamed or duplicated; restore it from version control"))
                continue
            records[record["id"]] = record
    by_slug_sha = {(r.get("slug"), r.get("yaml_sha256")): r for r in records.values()}

    names = {p.name for p in folder.glob("*.yaml")}
    names |= {r for r, d in view.items() if "/" not in r and r.endswith(".yaml") and d is not None}
    names -= {r for r, d in view.items() if "/" not in r and d is None}
    files: list[tuple[str, str, dict, dict | None]] = []  # name, text, doc, record
    for name in sorted(names):
        path = folder / name
        if path.is_symlink():
            problems.append(Problem(shown(name), "is a symbolic link; briefing files must be "
                                    "regular files"))
            continue
        data = read(name)
        if data is None:
            continue
        if len(data) > MAX_YAML_BYTES:
            problems.append(Problem(shown(name), f"larger than {MAX_YAML_BYTES} bytes; refused"))
            continue
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem(shown(name), f"not UTF-8 text (byte {exc.start})"))
            continue
        stem = name[:-len(".yaml")]
        known = by_slug_sha.get((stem, sha256(data)))
        if known is not None:  # exactly what briefgen wrote last: no need to parse it
            files.append((name, text, known["written"], known))
            continue
        try:
            tree = read_tree(text, shown(name))
        except BriefgenError as exc:
            problems.extend(exc.problems)
            continue
        if tree is None:
            problems.append(Problem(shown(name), "is empty; a briefing needs at least "
                                    "'articles:' or 'title:' (or delete the file)", 1, 1))
            continue
        rid = tree.get("id") if isinstance(tree.get("id"), str) else None
        record = records.get(rid) if rid else None
        machine_ids = {n: set(v.values()) for n, v in (record or {}).get("keys", {}).items()}
        doc, found = tree_to_document(tree, shown(name), machine_ids)
        problems.extend(found)
        if found:
            continue
        files.append((name, text, doc, record))

    used_ids = set(records)
    claimed: dict[str, str] = {}
    waiting: list[tuple[str, str, dict]] = []
    for name, text, doc, record in files:
        if "id" not in doc:
            waiting.append((name, text, doc))
            continue
        bid = doc["id"]
        if bid in claimed:
            problems.append(Problem(shown(name), f"id '{bid}' is also the id of "
                                    f"{shown(claimed[bid])}; each briefing needs its own id "
                                    "(remove the id line from a copied file)"))
            continue
        claimed[bid] = name
        used_ids.add(bid)
        store.briefings[bid] = StoredBriefing(bid, _slug_of(name, doc, record), name, text, doc,
                                              record)
    for name, text, doc in waiting:  # files the editor created without an id
        seed = (doc.get("articles") or [name[:-len(".yaml")]])[0]
        bid = _new_id(seed, used_ids)
        store.briefings[bid] = StoredBriefing(bid, _slug_of(name, doc, None), name, text, doc, None)
    for bid, record in sorted(records.items()):
        if bid not in store.briefings:  # its file was deleted: hand it all back to the machine
            store.briefings[bid] = StoredBriefing(bid, record["slug"], None, None, None, record)

    problems.extend(_check_across(store, shown))
    return store, problems


def _shown_path(project: Project):
    try:
        base = project.briefings_dir.relative_to(project.root).as_posix()
    except ValueError:
        base = project.briefings_dir.as_posix()
    return lambda rel: f"{base}/{rel}"


def _read_record(data: bytes | None, shown: str) -> tuple[dict | None, Problem | None]:
    if data is None:
        return None, None
    try:
        record = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, Problem(shown, f"merge record is damaged ({exc}); restore it from version "
                             "control (after a git merge conflict, keep either side)")
    if not isinstance(record, dict) or not isinstance(record.get("id"), str) or \
            not isinstance(record.get("written"), dict) or not isinstance(record.get("slug"), str):
        return None, Problem(shown, "is not a briefgen merge record")
    if record.get("format", 0) > RECORD_FORMAT:
        return None, Problem(shown, f"merge record format {record.get('format')} is newer than "
                             "this briefgen understands; upgrade briefgen")
    return record, None


def _slug_of(name: str, doc: dict, record: dict | None) -> str:
    """The slug after an editor's rename, by the slug: field or by renaming the file."""
    stem = name[:-len(".yaml")]
    field_slug = doc.get("slug")
    if field_slug is None or field_slug == stem:
        return stem
    if record is not None and field_slug == record.get("slug"):
        return stem  # the file was renamed, the field left alone
    return field_slug


def _new_id(seed: str, used: set[str]) -> str:
    """A new briefing's id: from its first article, so rebuilding from scratch gives the same."""
    base = "b-" + hashlib.sha1(seed.encode("utf-8")).hexdigest()[:10]
    candidate, number = base, 2
    while candidate in used:
        candidate = f"{base}-{number}"
        number += 1
    used.add(candidate)
    return candidate


def _check_across(store: Store, shown) -> list[Problem]:
    """Problems that involve more than one file: slugs, shared articles, merges."""
    problems: list[Problem] = []
    briefings = sorted(store.briefings.values(), key=lambda b: b.id)
    by_slug: dict[str, StoredBriefing] = {}
    for b in briefings:
        where = shown(b.file) if b.file else shown(f"{RECORDS_DIR}/{b.id}.json")
        if not SLUG_RE.match(b.slug):
            problems.append(Problem(where, f"file name '{b.slug}' is not a slug: use lower-case "
                                    "letters, digits and '-', ending in .yaml"))
        other = by_slug.get(b.slug)
        if other is not None:
            if other.file is None or b.file is None:
                # a deleted file's slug was taken by another file: the deleted one yields
                continue
            problems.append(Problem(where, f"slug '{b.slug}' is also used by {shown(other.file)}"))
        by_slug[b.slug] = b
    # An article listed by two briefings: the one that newly lists it gets it (a move).
    listing: dict[str, list[StoredBriefing]] = {}
    for b in briefings:
        if b.doc is None:
            continue
        for article in b.listed_articles():
            listing.setdefault(article, []).append(b)
    for article, owners in sorted(listing.items()):
        if len(owners) < 2:
            continue
        newcomers = [b for b in owners if article not in b.written.get("articles", [])]
        if len(newcomers) == 1:
            store.owner_hint[article] = newcomers[0].id
        else:
            names = ", ".join(shown(b.file) for b in owners)
            problems.append(Problem(shown(owners[-1].file), f"article '{article}' is listed in "
                                    f"more than one briefing ({names}); remove it from all but one"))
    # merged_into must name another live briefing (its slug or an old slug).
    slugs: dict[str, str] = {}
    for b in briefings:
        for old in (b.doc or b.written).get("old_slugs", []):
            slugs.setdefault(old, b.id)
    for b in briefings:
        slugs[b.slug] = b.id
    for b in briefings:
        target = b.merged_into
        if target is None:
            continue
        tid = slugs.get(target)
        if tid is None or tid == b.id:
            hint = "" if tid is None else " (it names this briefing itself)"
            problems.append(Problem(shown(b.file), f"merged_into '{target}' is not the slug of "
                                    f"another briefing{hint}"))
            continue
        store.merge_target[b.id] = tid
    for bid in sorted(store.merge_target):  # follow chains; refuse cycles
        seen = {bid}
        target = store.merge_target[bid]
        while target in store.merge_target:
            if target in seen:
                problems.append(Problem(shown(store.briefings[bid].file),
                                        "merged_into forms a cycle"))
                break
            seen.add(target)
            target = store.merge_target[target]
        store.merge_target[bid] = target
    return problems


# ---------------------------------------------------------------------------
# Membership
# ---------------------------------------------------------------------------

def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", text)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 60:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "briefing"


def _has_editor_content(stored: StoredBriefing) -> bool:
    """Whether a briefing left without articles still holds the editor's own work."""
    doc = stored.doc
    if doc is None:
        return False
    if doc.get("notes") or doc.get("pinned"):
        return True
    record = stored.record or {}
    if any(record.get("owned", {}).get(name) for name in SECTIONS):
        return True
    for name, section in SECTIONS.items():
        machine = set(record.get("keys", {}).get(name, {}).values())
        for item in doc.get(name, []):
            ident = item.get(section.identity)
            ident = ident.casefold() if section.identity == "name" and ident else ident
            if ident is None or ident not in machine:
                return True
    return False


def plan(store: Store, stories: list[Story], articles: dict[str, Article],
         settings: Settings) -> list[Plan]:
    """Decide each briefing's articles; existing briefings keep theirs, new ones join by story."""
    excluded_everywhere = set(settings.exclude)
    valid = {a for a in articles if a not in excluded_everywhere}
    live = sorted(store.briefings.values(), key=lambda b: b.id)
    listed = {b.id: b.listed_articles() for b in live}
    listed_by: dict[str, set[str]] = {}
    for b in live:
        for article in listed[b.id]:
            listed_by.setdefault(article, set()).add(b.id)

    # An article the editor removed from a briefing (and put nowhere else) stays out of it.
    store.excluded = {}
    for b in live:
        excluded = set((b.doc or {}).get("excluded", []))
        if b.doc is not None and "articles" in b.doc:
            for article in set(b.written.get("articles", [])) - set(listed[b.id]):
                if not listed_by.get(article):
                    excluded.add(article)
        store.excluded[b.id] = sorted(excluded)

    owner: dict[str, str] = {}
    for b in live:
        target = store.merge_target.get(b.id, b.id)
        for article in listed[b.id]:
            if article not in valid:
                continue
            hint = store.owner_hint.get(article)
            if hint is not None and hint != b.id:
                continue
            owner[article] = target

    open_ids = {b.id for b in live if b.id not in store.merge_target}
    new_groups: list[list[str]] = []
    covered: set[str] = set()
    for story in sorted(stories, key=lambda s: tuple(sorted(s.article_ids))):
        covered.update(story.article_ids)
        fresh = sorted(a for a in story.article_ids if a in valid and a not in owner)
        if not fresh:
            continue
        overlap = Counter(owner[a] for a in story.article_ids if a in owner)
        ranked = sorted((bid for bid in overlap if bid in open_ids), key=lambda bid: (-overlap[bid], bid))
        leftovers = []
        for article in fresh:
            target = next((bid for bid in ranked if not store.briefings[bid].pinned
                           and article not in store.excluded.get(bid, [])), None)
            if target is None:
                leftovers.append(article)
            else:
                owner[article] = target
        if leftovers:
            new_groups.append(leftovers)
    for article in sorted(valid - covered - set(owner)):
        new_groups.append([article])

    members: dict[str, list[str]] = {}
    for article, bid in owner.items():
        members.setdefault(bid, []).append(article)

    used_ids = set(store.briefings)
    used_slugs = {b.slug for b in live}
    for b in live:
        used_slugs.update((b.doc or b.written).get("old_slugs", []))
    copies: dict[str, str] = {}
    for story in stories:
        copies.update(story.copies)

    store.plans, store.handmade, store.dissolved = {}, [], {}
    for b in live:
        mine = sorted(members.get(b.id, []))
        if b.id in store.merge_target:
            store.dissolved[b.id] = store.merge_target[b.id]
        elif mine:
            store.plans[b.id] = Plan(b.id, b.slug, mine, _copies_within(copies, mine))
        elif _has_editor_content(b):
            store.handmade.append(b.id)
        else:
            former = Counter(owner[a] for a in listed[b.id] if a in owner)
            store.dissolved[b.id] = min(former, key=lambda k: (-former[k], k)) if former else None
    for group in new_groups:
        group = sorted(group)
        bid = _new_id(group[0], used_ids)
        first = min(group, key=lambda a: (articles[a].published is None,
                                          articles[a].published or "", a))
        slug = base = slugify(articles[first].title)
        number = 2
        while slug in used_slugs:
            slug = f"{base}-{number}"
            number += 1
        used_slugs.add(slug)
        store.plans[bid] = Plan(bid, slug, group, _copies_within(copies, group))
        store.excluded[bid] = []
    return [store.plans[k] for k in sorted(store.plans)]


def _copies_within(copies: dict[str, str], members: list[str]) -> dict[str, str]:
    inside = set(members)
    return {c: o for c, o in sorted(copies.items()) if c in inside and o in inside}


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
    from .briefing_merge import content_key
    return MachineItem(key or content_key(section, fields), fields)


def _source_fields(article: Article, copy_of: str | None) -> dict:
    return {"key": article.id, "title": article.title, "publisher": article.source,
            "url": article.url,
            "published": article.published.isoformat() if article.published else None,
            "author": article.author, "copy_of": copy_of}


def reconcile(store: Store, plans: list[Plan], extractions: dict[str, Extraction],
              articles: dict[str, Article]) -> list[Briefing]:
    """Merge each planned briefing's new extraction with the editor's file."""
    from .extract import find_disputes  # the disputes are recomputed from the merged figures

    redirects: dict[str, list[str]] = {}
    for bid, target in sorted(store.dissolved.items()):
        if target is None:
            continue
        gone = store.briefings[bid]
        redirects.setdefault(target, []).extend(
            [gone.slug] + list((gone.doc or gone.written).get("old_slugs", [])))
    live_slugs = {p.slug for p in plans} | {store.briefings[b].slug for b in store.handmade}
    store.results = {}
    briefings: list[Briefing] = []
    jobs = [(p, extractions.get(p.id)) for p in plans] + \
        [(None, None) for _ in store.handmade]
    handmade = iter(store.handmade)
    for plan_, extraction in jobs:
        bid = plan_.id if plan_ is not None else next(handmade)
        stored = store.briefings.get(bid)
        slug = plan_.slug if plan_ is not None else stored.slug
        members = plan_.article_ids if plan_ is not None else []
        copies = plan_.copies if plan_ is not None else {}
        doc, state, edits = _merge_one(bid, slug, stored, members, copies, extraction, articles,
                                       store.excluded.get(bid, []), redirects.get(bid, []),
                                       live_slugs)
        figures = [_figure(f, state) for f in doc["figures"]]
        published = {s["key"]: s["published"] for s in doc["sources"]}
        disputes = find_disputes(figures, published)
        doc["disputes"] = [{"type": d.type, "figures": list(d.figures), "note": d.note or None}
                           for d in disputes]
        record = {"format": RECORD_FORMAT, "id": bid, "slug": slug, "written": doc,
                  **state.as_record()}
        store.results[bid] = _Result(doc, record, edits)
        briefings.append(_briefing(doc, state, figures, disputes))
    return sorted(briefings, key=lambda b: b.slug)


def _merge_one(bid: str, slug: str, stored: StoredBriefing | None, members: list[str],
               copies: dict[str, str], extraction: Extraction | None,
               articles: dict[str, Article], excluded: list[str], redirected: list[str],
               live_slugs: set[str]) -> tuple[dict, MergeState, int]:
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
        result = merge_section(SECTIONS[name], ours, written, theirs.get(name, []), state)
        doc[name] = result.items
        edits += result.edits_kept
        if result.deleted:
            deleted[name] = result.deleted
    _complete_sources(doc, state, written, articles, copies)
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
    doc["notes"] = (ours or {}).get("notes")
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
                      copies: dict[str, str]) -> None:
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
        else:
            continue
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
    doc["sources"] = [{f: s.get(f) for f in ordered_fields} for s in sources]


def _origin(state: MergeState, section: str, ident: str) -> str:
    return "machine" if ident in state.machine_ids(section) else "editor"


def _key_of(state: MergeState, section: str, ident: str) -> str:
    for key, value in state.keys.get(section, {}).items():
        if value == ident:
            return key
    return ""


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

def _record_bytes(record: dict) -> bytes:
    return (json.dumps(record, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def save_all(project: Project, store: Store, briefings: list[Briefing]) -> SaveReport:
    """Write the reconciled briefings: only changed files, all through one journal."""
    folder = store.folder
    report = SaveReport()
    journal = _journal(folder)
    if journal.path.exists():  # a killed build's changes: what load_all already read
        journal.replay()
    changes: list[Change] = []
    keep: set[str] = set()

    def change(rel: str, data: bytes | None) -> bool:
        current = read_bytes(folder / rel)
        if current == data:
            return False
        changes.append(Change(rel, data, None if current is None else sha256(current)))
        return True

    for briefing in sorted(briefings, key=lambda b: b.id):
        result = store.results[briefing.id]
        stored = store.briefings.get(briefing.id)
        name = f"{result.doc['slug']}.yaml"
        keep.add(name)
        current = read_bytes(folder / name)
        previous = stored.record if stored is not None else None
        if previous is not None and current is not None and \
                sha256(current) == previous.get("yaml_sha256") and result.doc == previous["written"]:
            data = current  # unchanged: not even rendered
        else:
            old_text = stored.text if stored is not None else None
            data = render(result.doc, old_text).encode("utf-8")
        record = dict(result.record, yaml_sha256=sha256(data))
        report.edits_kept += result.edits
        if change(name, data):
            report.written.append(name)
            if current is None:
                report.created += 1
            else:
                report.updated += 1
        else:
            report.unchanged += 1
        change(f"{RECORDS_DIR}/{briefing.id}.json", _record_bytes(record))
        if stored is not None and stored.file and stored.file != name:
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
        journal.commit(changes)
    remove_stale_temps(folder)
    remove_stale_temps(folder / RECORDS_DIR)
    rel_folder = _shown_path(project)
    report.written = [rel_folder(n) for n in report.written]
    return report
