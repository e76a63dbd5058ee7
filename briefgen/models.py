"""The records passed between pipeline stages.

Data flows one way: ingest -> Article, cluster -> Story, extract -> Extraction,
briefing -> Briefing, render -> files. A stage imports only this module and the
stages before it, so each record here is the whole contract between two stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Casualty kinds the extractor knows, in the order a briefing lists them.
FIGURE_KINDS = ("killed", "injured", "missing", "displaced", "arrested")


@dataclass(frozen=True)
class Article:
    """One report as read from ``content/articles/``, furniture removed.

    Metadata the file does not carry stays ``None``: nothing is invented.
    """

    id: str  # path under content/articles/ without extension, "/"-separated
    path: str  # path relative to the project root, for messages
    title: str
    text: str  # cleaned body; paragraphs separated by a blank line
    source: str | None = None  # publisher
    url: str | None = None  # http(s) only
    published: date | None = None
    author: str | None = None
    digest: str = ""  # sha256 of the file's bytes, for caches and change checks

    def without_text(self) -> Article:
        """The article's details alone: all a page shows of it (built directly,
        not with ``dataclasses.replace``, which costs twice as much)."""
        return Article(self.id, self.path, self.title, "", self.source, self.url, self.published,
                       self.author, self.digest)


@dataclass
class Story:
    """Articles the clusterer judged to report the same story."""

    article_ids: list[str]  # sorted
    # article id -> id of the article it is a near-duplicate (wire copy) of
    copies: dict[str, str] = field(default_factory=dict)


@dataclass
class Figure:
    """A casualty figure as one reporter stated it in one article."""

    kind: str  # one of FIGURE_KINDS
    value: int
    article: str  # source key: an article id, or an editor-added source's key
    quote: str  # the verbatim sentence the figure came from
    group: str | None = None  # "military", "civilians", "total", "people", ...
    cumulative: bool = False  # a running toll, as opposed to one period's count
    period: str | None = None  # the period a non-cumulative count covers ("Monday")
    reported_by: str | None = None  # "Karabakh's defense ministry"
    reporter_type: str | None = None  # "party", "independent" or None when unclear
    qualifier: str | None = None  # "at least", "more than", "up to", "about"
    date: str | None = None  # ISO date the figure refers to, when known
    key: str = ""  # content-derived identity, stable across rebuilds
    id: str = ""  # short public id ("f3"), assigned once by the briefing stage
    checked: bool = False  # an editor confirmed it
    origin: str = "machine"  # "machine" or "editor"
    note: str | None = None


@dataclass
class Claim:
    """An attributed statement: who said what, in which article."""

    who: str
    what: str
    article: str
    quote: str
    key: str = ""
    id: str = ""
    checked: bool = False
    origin: str = "machine"


@dataclass
class Entity:
    """An actor (country, organization, armed group, person) or a place."""

    name: str
    kind: str  # "country", "organization", "person", "group", "place"
    articles: list[str] = field(default_factory=list)


@dataclass
class Event:
    """A dated (or at least time-anchored) development for the timeline."""

    text: str
    article: str
    quote: str
    date: str | None = None  # ISO date, only when it can be resolved from the input
    when: str | None = None  # the text's own words: "on Monday", "late Monday"
    key: str = ""
    id: str = ""
    checked: bool = False
    origin: str = "machine"


@dataclass
class Passage:
    """A summary sentence or background paragraph (Markdown) citing its articles."""

    text: str
    articles: list[str]
    key: str = ""
    id: str = ""
    checked: bool = False
    origin: str = "machine"


@dataclass
class Extraction:
    """Everything the extractor finds in one group of articles."""

    title: str
    summary: list[Passage] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    actors: list[Entity] = field(default_factory=list)
    places: list[Entity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    background: list[Passage] = field(default_factory=list)


@dataclass
class Dispute:
    """Figures that report the same thing with different values."""

    type: str  # "revision" (same reporter updating a toll) or "conflict"
    figures: list[str]  # figure ids, oldest first for a revision
    note: str = ""


@dataclass
class Source:
    """An entry of a briefing's numbered source list."""

    key: str  # article id, or an editor-chosen key for a source outside content/
    ref: int  # citation number shown to readers; never reused within a briefing
    title: str
    publisher: str | None = None
    url: str | None = None
    published: str | None = None  # ISO date
    author: str | None = None
    copy_of: str | None = None  # key of the source this one is a wire copy of
    origin: str = "machine"


@dataclass
class Briefing:
    """One briefing as the site shows it: the YAML file after merging edits."""

    id: str  # stable id, never changes
    slug: str  # file name and page name; renaming keeps a redirect
    title: str
    articles: list[str]  # member article ids
    summary: list[Passage] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    actors: list[Entity] = field(default_factory=list)
    places: list[Entity] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    background: list[Passage] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    notes: str | None = None  # Markdown, editor-owned
    old_slugs: list[str] = field(default_factory=list)
    pinned: bool = False
    updated: str | None = None  # ISO date of the newest dated source, if any
