"""Which articles each briefing holds, and what travels with an article that moves.

Existing briefings keep their articles, as the editor left them (moves,
removals, merges, pins); a new article joins the briefing that holds most of
its story, else a new briefing. When an article moves, the editor's work on
its facts (edits, checks, deletions) moves with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .briefing_merge import Incoming, MergeState
from .briefing_schema import SECTIONS
from .briefing_store import Plan, Store, StoredBriefing, new_id
from .config import Settings
from .models import Article, Story


def slugify(title: str) -> str:
    """A new briefing's slug: its first report's title in lower-case ASCII words."""
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
    if stored.record is None or doc.get("notes") or doc.get("pinned"):
        return True  # a file the editor wrote is kept even before it lists articles
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
        excluded = set(b.listed_excluded())
        if not b.unchanged and b.doc is not None and "articles" in b.doc:
            for article in set(b.written_articles) - set(listed[b.id]):
                if not listed_by.get(article):
                    excluded.add(article)
        store.excluded[b.id] = sorted(excluded)

    owner: dict[str, str] = {}
    # A briefing whose file was deleted claims its articles first, so that any
    # file listing them wins.
    for b in sorted(live, key=lambda b: (b.has_doc, b.id)):
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
        used_slugs.update(b.old_slugs())
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
        else:
            # No articles left: if they went to other briefings, the edits follow them
            # to the one that took most; a briefing of the editor's own stays.
            former = Counter(owner[a] for a in listed[b.id] if a in owner and owner[a] != b.id)
            if former:
                store.dissolved[b.id] = min(former, key=lambda k: (-former[k], k))
            elif _has_editor_content(b):
                store.handmade.append(b.id)
            else:
                store.dissolved[b.id] = None
    for group in new_groups:
        group = sorted(group)
        bid = new_id(group[0], used_ids)
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
    """The wire copies among ``members`` (looked up by member: the table is project-wide)."""
    inside = set(members)
    return {c: copies[c] for c in sorted(inside) if c in copies and copies[c] in inside}


@dataclass
class Moves:
    """Hand edits travelling with their articles from one briefing to another."""

    incoming: dict[str, dict[str, list[Incoming]]] = field(default_factory=dict)  # to id: section
    deleted: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # to id: section: keys
    moved_out: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # from id: section
    notes: dict[str, list[str]] = field(default_factory=dict)  # to id: notes of merged briefings
    sources: dict[str, dict[str, dict]] = field(default_factory=dict)  # to id: key: source entry

    def touches(self, bid: str) -> bool:
        return bid in self.incoming or bid in self.deleted or bid in self.moved_out or \
            bid in self.notes


SINGLE_SOURCE = ("figures", "claims", "timeline")


def _touched(section: str, item: dict, written: dict | None, owned: list[str],
             machine: bool) -> set[str]:
    """The fields of an item that are the editor's (all of them for the editor's own item)."""
    spec = SECTIONS[section]
    if not machine:
        return {f for f in item if f != spec.identity} or {spec.identity}
    fields = {f for f in owned if f in item}
    if written is not None:
        fields |= {f for f in item if f in written and item[f] != written[f]}
    if item.get("checked") is True:
        fields.add("checked")
    fields.discard(spec.identity)
    return fields


def transplants(store: Store, plans: list[Plan]) -> Moves:
    """What moves where: edits follow their article; a merged briefing's edits all move."""
    moves = Moves()
    owner = {a: p.id for p in plans for a in p.article_ids}
    members = {p.id: p.article_ids for p in plans}
    for bid, stored in sorted(store.briefings.items()):
        if not stored.has_doc:
            continue
        dissolved_into = store.dissolved.get(bid)
        if bid in store.dissolved and dissolved_into is None:
            continue
        if dissolved_into is None and stored.unchanged and \
                stored.written_articles == members.get(bid):
            continue  # untouched file, same articles: nothing leaves it
        state = MergeState.from_record(stored.record)
        written = stored.written
        doc = stored.doc
        for name, spec in SECTIONS.items():
            if name not in doc:
                continue
            machine_ids = state.machine_ids(name)
            written_items = {_ident(spec, i): i for i in written.get(name, [])}
            for entry in doc[name]:
                ident = _ident(spec, entry)
                if ident is None:
                    if dissolved_into is None:
                        continue  # new this build, not yet numbered: it stays where it was written
                    ident = ""
                if name in SINGLE_SOURCE:
                    source = entry.get("source") or (written_items.get(ident) or {}).get("source")
                    dest = owner.get(source) if source else None
                    if dest is None or dest == bid:
                        dest = dissolved_into
                else:
                    dest = dissolved_into
                if dest is None or dest == bid:
                    continue
                moves.moved_out.setdefault(bid, {}).setdefault(name, set()).add(ident)
                fields = _touched(name, entry, written_items.get(ident),
                                  state.owned.get(name, {}).get(ident, []), ident in machine_ids)
                if not fields:
                    continue
                key = state.key_of(name, ident) if spec.identity == "id" else \
                    (ident if ident in machine_ids else None)
                item = {f: v for f, v in entry.items() if spec.identity != "id" or f != "id"}
                moves.incoming.setdefault(dest, {}).setdefault(name, []).append(
                    Incoming(key, item, written_items.get(ident), fields))
            # deletions follow too, so a deleted fact does not come back in its new briefing
            for ident in doc.get("deleted", {}).get(name, []) if spec.identity == "id" else []:
                key = state.key_of(name, ident)
                source = state.gone.get(name, {}).get(ident)
                dest = owner.get(source) if source else None
                if dest is None or dest == bid:
                    dest = dissolved_into
                if key and dest and dest != bid:
                    moves.deleted.setdefault(dest, {}).setdefault(name, []).append(key)
        if dissolved_into and doc.get("notes"):
            moves.notes.setdefault(dissolved_into, []).append(doc["notes"])
        for entry in doc.get("sources", []) + written.get("sources", []):
            pool = moves.sources.setdefault(dissolved_into or "", {})
            pool.setdefault(entry["key"], entry)
    return moves


def _ident(spec, item: dict) -> str | None:
    value = item.get(spec.identity)
    if value is None:
        return None
    return value.casefold() if spec.identity == "name" else value
