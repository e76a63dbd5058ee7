"""What each page shows, computed from the Briefing records before any template runs.

Templates stay simple (and theme overrides stay easy to write) when every
decision is made here: citation numbers, figure histories, dispute flags,
entity and publisher pages, ordering. Untrusted strings pass through untouched
(the templates escape them); only URLs and Markdown are made safe here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from .charts import history_svg
from .diagnostics import Diagnostics
from .markup import (
    html_id,
    is_safe_slug,
    markdown_block,
    markdown_inline,
    parse_iso_date,
    safe_url,
    slugify,
)
from .models import FIGURE_KINDS, Article, Briefing, Figure, Source

BRIEFINGS_DIR = "briefings"
ACTORS_DIR = "actors"
PLACES_DIR = "places"
PUBLISHERS_DIR = "publishers"
UNKNOWN_PUBLISHER = "unknown"
KEY_FIGURES_ON_INDEX = 3


class Anchors:
    """Hands out unique HTML ids within one page, whatever the records' ids hold."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, prefix: str, value: str) -> str:
        base = html_id(prefix, value)
        anchor, n = base, 2
        while anchor in self.used:
            anchor, n = f"{base}-{n}", n + 1
        self.used.add(anchor)
        return anchor


def allocate_slugs(names: list[str], reserved: set[str] | None = None) -> dict[str, str]:
    """Unique slugs for ``names`` (already in a stable order); collisions get -2, -3."""
    taken = set(reserved or ())
    result: dict[str, str] = {}
    for name in names:
        base = slugify(name, fallback_seed=name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        result[name] = slug
    return result


def format_number(value: int) -> str:
    return f"{value:,}"


def figure_label(figure: Figure) -> str:
    """'killed (military)' — the kind with its group, as the table names a figure."""
    return f"{figure.kind} ({figure.group})" if figure.group else figure.kind


def status_label(checked: bool, origin: str) -> str:
    if checked:
        return "checked"
    return "unchecked, added by an editor" if origin == "editor" else "unchecked, machine-extracted"


class BriefingPage:
    """One briefing, its page path and the data its templates show.

    ``key_figures`` and ``source_entries`` are all the index, entity and publisher
    pages need; they and the full page ``context`` are built (or loaded from a
    cache) only when something reads them, so an unchanged briefing costs no
    work on an incremental render. ``summary(record id, part name)`` and
    ``make_context(record)`` are shared by every page: a site of thousands
    creates no closure per page.
    """

    __slots__ = (
        "_context",
        "_make_context",
        "_parts",
        "_summary",
        "fingerprint",
        "path",
        "record",
        "slug",
        "updated",
    )

    def __init__(self, record: Briefing, slug: str, path: str, *, key_figures: list[dict] | None = None,
                 source_entries: list[dict] | None = None, context: dict | None = None,
                 summary: Callable[[str, str], list] | None = None,
                 make_context: Callable[[Briefing], dict] | None = None, fingerprint: str = ""):
        self.record = record
        self.slug = slug
        self.path = path
        self.updated: date | None = _parse_date(record.updated) if isinstance(record.updated, str) else None
        self.fingerprint = fingerprint  # of everything the page shows; "" when unknown
        self._parts: dict[str, list] = {}
        if key_figures is not None:
            self._parts["key_figures"] = key_figures
        if source_entries is not None:
            self._parts["source_entries"] = source_entries
            self._parts["source_refs"] = [(_publisher_key(e["publisher"]), e["ref"]) for e in source_entries]
        self._summary = summary  # gives "key_figures", "source_entries" or "source_refs" on demand
        self._context = context
        self._make_context = make_context

    def _part(self, name: str) -> list:
        if name not in self._parts:
            if self._summary is None:
                raise ValueError(f"no {name} for briefing {self.record.id!r}")
            self._parts[name] = self._summary(self.record.id, name)
        return self._parts[name]

    @property
    def key_figures(self) -> list[dict]:
        return self._part("key_figures")

    @property
    def source_entries(self) -> list[dict]:
        """Read afresh each time when they come from ``summary``: they are the bulky
        part, and the publisher pages of a large site would otherwise end up holding
        every briefing's entries at once."""
        entries = self._parts.get("source_entries")
        if entries is None:
            if self._summary is None:
                raise ValueError(f"no source_entries for briefing {self.record.id!r}")
            return self._summary(self.record.id, "source_entries")
        return entries

    @property
    def source_refs(self) -> list[tuple[str | None, int]]:
        """(publisher key, citation number) of each source entry."""
        return self._part("source_refs")

    @property
    def context(self) -> dict:
        if self._context is None:
            if self._make_context is None:
                raise ValueError(f"no page data for briefing {self.record.id!r}")
            self._context = self._make_context(self.record)
        return self._context


@lru_cache(maxsize=65536)
def _parse_date(value: str) -> date | None:
    """``parse_iso_date``, remembered: thousands of briefings share a few hundred dates."""
    return parse_iso_date(value)


class PublisherItem:
    """One report a publisher published, with the briefing that cites it.

    ``source`` (the briefing's source entry) is loaded each time it is read
    and never kept: a publisher's page of thousands of reports re-renders only
    the changed ones, and holds one entry at a time (a theme reads it once per
    item, as the default theme's ``publisher_item`` does).
    """

    __slots__ = ("briefing", "position")

    def __init__(self, briefing: BriefingPage, position: int):
        self.briefing = briefing
        self.position = position  # in the briefing's source entries

    @property
    def source(self) -> dict:
        return self.briefing.source_entries[self.position]

    @property
    def ref(self) -> int:
        return self.briefing.source_refs[self.position][1]

    def __getitem__(self, key: str) -> object:
        if key == "briefing":
            return self.briefing
        if key == "source":
            return self.source
        raise KeyError(key)


def briefing_slugs(briefings: list[Briefing], diagnostics: Diagnostics) -> dict[str, str]:
    """A safe, unique slug per briefing id; unsafe or duplicate slugs are replaced with a warning."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for record in sorted(briefings, key=lambda b: b.id):
        slug = record.slug if is_safe_slug(record.slug) else slugify(record.slug or record.id, record.id)
        if slug != record.slug:
            diagnostics.warn(_yaml_path(record), f"slug {record.slug!r} is not a safe file name; the page uses {slug!r}")
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        if slug != base:
            diagnostics.warn(_yaml_path(record), f"slug {base!r} is used by another briefing; the page uses {slug!r}")
        taken.add(slug)
        result[record.id] = slug
    return result


def _yaml_path(record: Briefing) -> str:
    slug = record.slug if is_safe_slug(record.slug) else record.id
    return f"content/briefings/{slug}.yaml"


def sort_key_latest_first(page: BriefingPage) -> tuple:
    """Pinned first, then newest, undated last, then by title: the index order."""
    updated = page.updated.toordinal() if page.updated else 0
    return (not page.record.pinned, -updated, page.record.title.casefold(), page.record.id)


class BriefingBuilder:
    """Builds the page data of one briefing: citations, figure table, disputes, timeline."""

    def __init__(self, record: Briefing, slug: str, articles: dict[str, Article], diagnostics: Diagnostics):
        self.record = record
        self.slug = slug
        self.articles = articles
        self.diagnostics = diagnostics
        self.where = _yaml_path(record)
        self.anchors = Anchors()
        self.sources: dict[str, Source] = {}
        self.source_order: list[str] = []
        self.quotes: dict[str, list[dict]] = defaultdict(list)
        for source in sorted(record.sources, key=lambda s: (s.ref, s.key)):
            if source.key in self.sources:
                diagnostics.warn(self.where, f"source {source.key!r} is listed twice; the first entry is used")
                continue
            self.sources[source.key] = source
            self.source_order.append(source.key)
        self.next_ref = max((s.ref for s in self.sources.values()), default=0) + 1

    # -- citations -------------------------------------------------------------------
    def cite(self, key: str, quote: str | None, anchor: str, label: str) -> dict | None:
        """The citation [n] for source ``key``, remembering the quote for the source list."""
        source = self.sources.get(key)
        if source is None:
            article = self.articles.get(key)
            if article is None:
                self.diagnostics.warn(self.where, f"{label} cites {key!r}, which is neither a source nor an article")
                return None
            source = Source(
                key=key, ref=self.next_ref, title=article.title, publisher=article.source, url=article.url,
                published=article.published.isoformat() if article.published else None, author=article.author,
            )
            self.next_ref += 1
            self.sources[key] = source
            self.source_order.append(key)
        if quote:
            self.quotes[key].append({"text": quote, "anchor": anchor, "label": label})
        return {"ref": source.ref, "anchor": f"src-{source.ref}"}

    def cites(self, keys: list[str], anchor: str, label: str) -> list[dict]:
        found = [self.cite(key, None, anchor, label) for key in keys]
        unique = {c["ref"]: c for c in found if c}
        return [unique[ref] for ref in sorted(unique)]

    # -- sections --------------------------------------------------------------------
    def figure_rows(self) -> tuple[list[dict], list[dict], list[list[dict]]]:
        """Every figure as a table row, the disputes between them, and the histories."""
        record = self.record
        rows: dict[int, dict] = {}
        by_public_id: dict[str, int] = {}
        for index, figure in enumerate(record.figures):
            anchor = self.anchors.take("fig", figure.id or f"n{index}")
            label = f"{figure.id or 'figure'}: {format_number(figure.value)} {figure_label(figure)}"
            rows[index] = {
                "anchor": anchor,
                "id": figure.id,
                "kind": figure.kind,
                "group": figure.group,
                "label": figure_label(figure),
                "value": format_number(figure.value),
                "raw_value": figure.value,
                "qualifier": figure.qualifier,
                "cumulative": figure.cumulative,
                "period": figure.period,
                "date": figure.date if parse_iso_date(figure.date) else None,
                "reported_by": figure.reported_by,
                "reporter_type": figure.reporter_type,
                "quote": figure.quote,
                "note": figure.note,
                "checked": figure.checked,
                "status": status_label(figure.checked, figure.origin),
                "cite": self.cite(figure.article, figure.quote, anchor, label),
                "history": None,
                "chart": None,
                "flags": [],
            }
            if figure.id and figure.id not in by_public_id:
                by_public_id[figure.id] = index

        disputes: list[dict] = []
        series_of: dict[int, list[int]] = {}
        for dispute in record.disputes:
            members = [by_public_id[f] for f in dispute.figures if f in by_public_id]
            missing = [f for f in dispute.figures if f not in by_public_id]
            if missing:
                self.diagnostics.warn(self.where, f"a {dispute.type} names unknown figures: {', '.join(missing)}")
            if len(members) < 2:
                continue
            kind = "revision" if dispute.type == "revision" else "conflict"
            disputes.append({
                "type": kind,
                "note": dispute.note,
                "figures": [rows[i] for i in members],
            })
            if kind == "revision":
                for i in members:
                    series_of.setdefault(i, members)
            for i in members:
                others = [rows[j] for j in members if j != i]
                rows[i]["flags"].append({"type": kind, "others": others})

        histories: list[list[dict]] = []
        for members in {tuple(m): m for m in series_of.values()}.values():
            values = [record.figures[i].value for i in members]
            text = " → ".join(format_number(v) for v in values)
            label = f"{rows[members[-1]]['label']}: {text}"
            chart = history_svg(values, "History of " + label.replace("→", "then"))
            for position, i in enumerate(members):
                rows[i]["history"] = {"text": text, "values": [format_number(v) for v in values],
                                      "position": position, "latest": position == len(members) - 1}
            rows[members[-1]]["chart"] = chart
            histories.append([rows[i] for i in members])

        # Rows of one history stay together, oldest first. Kinds in their usual order;
        # within a kind, the group with the largest toll first; running tolls before
        # one period's counts.
        group_size: dict[tuple, int] = defaultdict(int)
        for figure in record.figures:
            slot = (figure.kind, (figure.group or "").casefold())
            group_size[slot] = max(group_size[slot], figure.value)

        def series_key(i: int) -> tuple:
            members = series_of.get(i, [i])
            head = record.figures[members[0]]
            kind_rank = FIGURE_KINDS.index(head.kind) if head.kind in FIGURE_KINDS else len(FIGURE_KINDS)
            group = (head.group or "").casefold()
            return (kind_rank, head.kind, -group_size[(head.kind, group)], group, not head.cumulative,
                    members[0], members.index(i))

        ordered = [rows[i] for i in sorted(rows, key=series_key)]
        return ordered, disputes, histories

    def key_figures(self, rows: list[dict]) -> list[dict]:
        """The latest value of each series, cumulative tolls first: the index's summary line."""
        latest = [r for r in rows if r["history"] is None or r["history"]["latest"]]

        def rank(row: dict) -> tuple:
            kind_rank = FIGURE_KINDS.index(row["kind"]) if row["kind"] in FIGURE_KINDS else len(FIGURE_KINDS)
            return (not row["cumulative"], kind_rank, -row["raw_value"], row["anchor"])

        return sorted(latest, key=rank)[:KEY_FIGURES_ON_INDEX]

    def claims(self) -> list[dict]:
        result = []
        for index, claim in enumerate(self.record.claims):
            anchor = self.anchors.take("claim", claim.id or f"n{index}")
            result.append({
                "anchor": anchor, "who": claim.who, "what": claim.what, "quote": claim.quote,
                "checked": claim.checked, "status": status_label(claim.checked, claim.origin),
                "cite": self.cite(claim.article, claim.quote, anchor, f"claim by {claim.who}"),
            })
        return result

    def events(self) -> list[dict]:
        dated = []
        for index, event in enumerate(self.record.events):
            day = parse_iso_date(event.date)
            anchor = self.anchors.take("event", event.id or f"n{index}")
            dated.append((day is None, day or date.min, index, {
                "anchor": anchor, "text": event.text, "when": event.when, "quote": event.quote,
                "date": day.isoformat() if day else None,
                "checked": event.checked, "status": status_label(event.checked, event.origin),
                "cite": self.cite(event.article, event.quote, anchor, "timeline"),
            }))
        return [entry for *_, entry in sorted(dated, key=lambda item: item[:3])]

    def passages(self, passages: list, prefix: str, inline: bool) -> list[dict]:
        result = []
        for index, passage in enumerate(passages):
            anchor = self.anchors.take(prefix, passage.id or f"n{index}")
            result.append({
                "anchor": anchor,
                "html": markdown_inline(passage.text) if inline else markdown_block(passage.text),
                "cites": self.cites(passage.articles, anchor, prefix),
                "checked": passage.checked,
                "status": status_label(passage.checked, passage.origin),
            })
        return result

    def source_list(self, publisher_urls: dict[str | None, str]) -> list[dict]:
        by_ref = {}
        for key in self.source_order:
            source = self.sources[key]
            url = safe_url(source.url)
            if source.url and not url:
                self.diagnostics.warn(self.where, f"source [{source.ref}] URL is not http(s) and is not shown")
            copy_of = self.sources.get(source.copy_of) if source.copy_of else None
            by_ref.setdefault(source.ref, {
                "ref": source.ref,
                "anchor": f"src-{source.ref}",
                "key": source.key,
                "title": source.title,
                "publisher": source.publisher,
                "publisher_url": publisher_urls.get(_publisher_key(source.publisher)),
                "url": url,
                "published": source.published,
                "published_date": _iso(parse_iso_date(source.published)),
                "author": source.author,
                "copy_of": {"ref": copy_of.ref, "anchor": f"src-{copy_of.ref}"} if copy_of else None,
                "quotes": _unique_quotes(self.quotes.get(key, [])),
            })
        return [by_ref[ref] for ref in sorted(by_ref)]


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _unique_quotes(quotes: list[dict]) -> list[dict]:
    """One entry per distinct sentence, linking back to every fact it supports."""
    merged: dict[str, dict] = {}
    for quote in quotes:
        entry = merged.setdefault(quote["text"], {"text": quote["text"], "backlinks": []})
        entry["backlinks"].append({"anchor": quote["anchor"], "label": quote["label"]})
    return list(merged.values())


def _publisher_key(publisher: str | None) -> str | None:
    return publisher.strip().casefold() if publisher and publisher.strip() else None


@lru_cache(maxsize=65536)
def entity_key(name: str) -> str:
    """Names that differ only in case or spacing are one entity (remembered: names repeat a lot)."""
    return " ".join(name.split()).casefold()


@dataclass
class SiteModel:
    """Every page of the site with its data; the renderer only has to apply templates."""

    briefings: list[BriefingPage]  # index order
    actors: list[dict]
    places: list[dict]
    publishers: list[dict]
    redirects: list[tuple[str, str]]  # (old page path, new page path)


@dataclass
class SiteLinks:
    """Where every page lives, worked out from the records alone.

    A briefing page links to actor, place and publisher pages; knowing their
    paths before any page data is built lets each briefing page be built (and
    skipped when unchanged) on its own, in any worker process.
    """

    slugs: dict[str, str]  # briefing id -> slug
    link_keys: dict[str, tuple[list[str], list[str], list[str | None]]]  # id -> actor, place, publisher keys
    actor_paths: dict[str, str]  # entity key -> page path
    place_paths: dict[str, str]
    entity_names: dict[str, dict[str, set[str]]]  # "actors"/"places" -> entity key -> spellings
    entity_kinds: dict[str, dict[str, set[str]]]
    publisher_urls: dict[str | None, str]  # publisher key (None: unknown) -> page path
    publisher_names: dict[str | None, set[str]]

    def briefing_path(self, briefing_id: str) -> str:
        return f"{BRIEFINGS_DIR}/{self.slugs[briefing_id]}.html"


def cited_keys(record: Briefing) -> set[str]:
    """Every source key the briefing's figures, claims, events and passages cite."""
    keys = {figure.article for figure in record.figures}
    keys.update(claim.article for claim in record.claims)
    keys.update(event.article for event in record.events)
    for passage in (*record.summary, *record.background):
        keys.update(passage.articles)
    return keys


def outside_sources(record: Briefing) -> list[str]:
    """Cited keys the briefing's own source list lacks: they are looked up among the articles."""
    keys = cited_keys(record)
    keys.difference_update(source.key for source in record.sources)
    return sorted(keys)


class LinkFacts(NamedTuple):
    """What ``plan_links`` needs of one record, worked out from the record alone, so a
    render can remember it by the record's digest instead of walking every entity again."""

    actors: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # (entity key, spellings, kinds) by key
    places: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]
    publishers: tuple[tuple[str, str], ...]  # (publisher key or "", name) of its own source entries, by key
    outside: tuple[str, ...]  # outside_sources


def link_facts(record: Briefing) -> LinkFacts:
    entities = []
    for attribute in ("actors", "places"):
        spellings: dict[str, set[str]] = defaultdict(set)
        kinds: dict[str, set[str]] = defaultdict(set)
        for entity in getattr(record, attribute):
            if not entity.name or not entity.name.strip():
                continue
            key = entity_key(entity.name)
            spellings[key].add(" ".join(entity.name.split()))
            kinds[key].add(entity.kind)
        entities.append(tuple((key, tuple(sorted(spellings[key])), tuple(sorted(kinds[key], key=str)))
                              for key in sorted(spellings)))
    first: dict[str, Source] = {}
    for source in sorted(record.sources, key=lambda s: (s.ref, s.key)):
        first.setdefault(source.key, source)
    return LinkFacts(entities[0], entities[1], _publishers(source.publisher for source in first.values()),
                     tuple(outside_sources(record)))


def _publishers(publishers: Iterable[str | None]) -> tuple[tuple[str, str], ...]:
    """(key or "", name shown) of each distinct publisher, by key."""
    found = {}
    for publisher in publishers:
        key = _publisher_key(publisher)
        found.setdefault((key or "", " ".join(publisher.split()) if key else UNKNOWN_PUBLISHER), None)
    return tuple(sorted(found))


def source_publishers(facts: LinkFacts, articles: dict[str, Article]) -> tuple[tuple[str, str], ...]:
    """(key or "", name) of every publisher the briefing's source list will have (see
    BriefingBuilder); the order does not matter, only which publishers appear."""
    outside = [articles[key].source for key in facts.outside if key in articles] if articles else []
    return tuple(sorted({*facts.publishers, *_publishers(outside)})) if outside else facts.publishers


def plan_links(briefings: list[Briefing], articles: dict[str, Article], diagnostics: Diagnostics,
               facts: dict[str, LinkFacts] | None = None) -> SiteLinks:
    """Slugs and entity/publisher page paths for the whole site; warns about bad slugs.
    ``facts``: each record's ``link_facts`` by id, when already known."""
    if facts is None:
        facts = {record.id: link_facts(record) for record in briefings}
    slugs = briefing_slugs(briefings, diagnostics)
    names: dict[str, dict[str, set[str]]] = {}
    kinds: dict[str, dict[str, set[str]]] = {}
    paths: dict[str, dict[str, str]] = {}
    keys_of: dict[str, dict[str, list[str]]] = {"actors": {}, "places": {}}
    for column, (attribute, directory) in enumerate((("actors", ACTORS_DIR), ("places", PLACES_DIR))):
        spellings: dict[str, set[str]] = defaultdict(set)
        entity_kinds: dict[str, set[str]] = defaultdict(set)
        for record in briefings:
            found = facts[record.id][column]
            for key, spelled, kinds_of in found:
                spellings[key].update(spelled)
                entity_kinds[key].update(kinds_of)
            keys_of[attribute][record.id] = [key for key, _, _ in found]
        slugs_by_key = allocate_slugs(sorted(spellings))
        names[attribute], kinds[attribute] = spellings, entity_kinds
        paths[attribute] = {key: f"{directory}/{slugs_by_key[key]}.html" for key in spellings}

    publisher_names: dict[str | None, set[str]] = defaultdict(set)
    link_keys: dict[str, tuple[list[str], list[str], list[str | None]]] = {}
    for record in briefings:
        found = source_publishers(facts[record.id], articles)
        for key, name in found:
            publisher_names[key or None].add(name)
        link_keys[record.id] = (keys_of["actors"][record.id], keys_of["places"][record.id],
                                list(dict.fromkeys([key or None for key, _ in found])))
    named = sorted(k for k in publisher_names if k is not None)
    publisher_slugs = allocate_slugs(named, reserved={UNKNOWN_PUBLISHER})
    publisher_urls: dict[str | None, str] = {k: f"{PUBLISHERS_DIR}/{publisher_slugs[k]}.html" for k in named}
    if None in publisher_names:
        publisher_urls[None] = f"{PUBLISHERS_DIR}/{UNKNOWN_PUBLISHER}.html"
    return SiteLinks(slugs=slugs, link_keys=link_keys, actor_paths=paths["actors"], place_paths=paths["places"],
                     entity_names=names, entity_kinds=kinds, publisher_urls=publisher_urls,
                     publisher_names=dict(publisher_names))


def link_fingerprint_data(record: Briefing, links: SiteLinks) -> list:
    """The parts of other pages' addresses a briefing page shows: its entity and publisher links."""
    actors, places, publishers = links.link_keys[record.id]
    return [[links.actor_paths[k] for k in actors], [links.place_paths[k] for k in places],
            [links.publisher_urls.get(k) for k in publishers]]


def briefing_page_data(record: Briefing, articles: dict[str, Article], links: SiteLinks,
                       diagnostics: Diagnostics, source_diagnostics: Diagnostics | None = None
                       ) -> tuple[dict, list[dict], list[dict]]:
    """(page context, key figures, source entries) of one briefing.

    Warnings about the source list go to ``source_diagnostics`` when given: a
    whole-site build reports them after every other briefing warning.
    """
    slug = links.slugs[record.id]
    builder = BriefingBuilder(record, slug, articles, diagnostics)
    rows, disputes, histories = builder.figure_rows()
    context = {
        "figures": rows,
        "disputes": disputes,
        "histories": histories,
        "summary": builder.passages(record.summary, "sum", inline=True),
        "claims": builder.claims(),
        "events": builder.events(),
        "background": builder.passages(record.background, "bg", inline=False),
        "notes": markdown_block(record.notes),
    }
    key_figures = builder.key_figures(rows)
    if source_diagnostics is not None:
        builder.diagnostics = source_diagnostics
    sources = builder.source_list(links.publisher_urls)
    context["sources"] = sources
    context["actors"] = _entity_links(record.actors, links.actor_paths)
    context["places"] = _entity_links(record.places, links.place_paths)
    context["reports"] = len(record.articles)
    context["copies"] = sum(1 for s in sources if s["copy_of"])
    return context, key_figures, sources


def index_order(pages: list[BriefingPage]) -> list[BriefingPage]:
    return sorted(pages, key=sort_key_latest_first)


def entity_entries(ordered: list[BriefingPage], links: SiteLinks, attribute: str) -> list[dict]:
    """One entry per actor or place ("actors"/"places"), listing its briefings in index order."""
    members: dict[str, list[BriefingPage]] = defaultdict(list)
    column = 0 if attribute == "actors" else 1
    for page in ordered:
        for key in links.link_keys[page.record.id][column]:
            members[key].append(page)
    names = links.entity_names[attribute]
    kinds = links.entity_kinds[attribute]
    paths = links.actor_paths if attribute == "actors" else links.place_paths
    return [{"name": min(names[key]), "kinds": sorted(kinds[key]), "path": paths[key], "briefings": members[key]}
            for key in sorted(names, key=lambda k: (min(names[k]).casefold(), k))]


def publisher_entries(ordered: list[BriefingPage], links: SiteLinks) -> list[dict]:
    """One entry per publisher (None: unknown), with every report it published that a briefing cites."""
    items: dict[str | None, list[PublisherItem]] = defaultdict(list)
    for page in ordered:
        for position, (key, _) in enumerate(page.source_refs):
            items[key].append(PublisherItem(page, position))
    return [
        {"name": min(links.publisher_names[key]) if key else None, "path": links.publisher_urls[key],
         "items": items[key]}
        for key in sorted(links.publisher_urls, key=lambda k: (k is None, k or ""))
    ]


def plan_redirects(briefings: list[Briefing], links: SiteLinks, diagnostics: Diagnostics) -> list[tuple[str, str]]:
    """(old page path, new page path) for every usable old slug; warns about the others."""
    current = {links.briefing_path(record.id) for record in briefings}
    redirects: list[tuple[str, str]] = []
    taken: set[str] = set()
    for record in sorted(briefings, key=lambda b: b.id):
        for old in record.old_slugs:
            old_path = f"{BRIEFINGS_DIR}/{old}.html"
            if not is_safe_slug(old):
                diagnostics.warn(_yaml_path(record), f"old slug {old!r} is not a safe file name; no redirect")
            elif old_path in current or old_path in taken:
                diagnostics.warn(_yaml_path(record), f"old slug {old!r} is in use; no redirect")
            else:
                taken.add(old_path)
                redirects.append((old_path, links.briefing_path(record.id)))
    return sorted(redirects)


def _entity_links(entities: list, paths: dict[str, str]) -> list[dict]:
    seen: dict[str, dict] = {}
    for entity in entities:
        if not entity.name or not entity.name.strip():
            continue
        key = entity_key(entity.name)
        seen.setdefault(key, {"name": " ".join(entity.name.split()), "kind": entity.kind, "path": paths[key]})
    return sorted(seen.values(), key=lambda e: (e["name"].casefold(), e["name"]))
