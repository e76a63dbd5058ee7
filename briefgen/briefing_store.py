"""Reading every briefing file and merge record of a project, and checking them as a set.

A file briefgen wrote and nobody touched since is recognized by its hash (kept
in its merge record) and not parsed again: its document is the one recorded.
The stage cache under ``.briefgen/`` goes one step further: a file whose
status (inode, size, times) is what it was is not even read, and its record is
read only if the build has to merge it.
Any other file is parsed and validated. Problems that involve several files
(two files with one id or slug, an article listed twice, a merge into nowhere)
are found here too, so ``load_all`` can report everything at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_module
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .atomic import Journal, Staged, read_bytes, remove_stale_temps, sha256
from .briefing_schema import SLUG_RE, read_tree, tree_to_document
from .cache import load_value, paused_gc, save_value
from .config import Project
from .diagnostics import BriefgenError, Problem
from .safeyaml import MAX_YAML_BYTES

RECORDS_DIR = "merge-records"
JOURNAL_FILE = "journal.json"
RECORD_FORMAT = 1


@dataclass
class Plan:
    """One briefing's membership for this build: what ``extract`` runs on."""

    id: str
    slug: str
    article_ids: list[str]  # sorted
    copies: dict[str, str] = field(default_factory=dict)  # wire copy -> article it copies


class RecordSummary(NamedTuple):
    """What the whole-project steps (checks, membership) need from a merge record.

    Small enough to keep in the stage cache for every briefing, so a record
    whose file did not change is not even read.
    """

    slug: str
    yaml_sha256: str | None
    layout: str | None
    machine: str | None
    edits: int
    articles: tuple[str, ...]  # as last written
    excluded: tuple[str, ...]
    old_slugs: tuple[str, ...]
    pinned: bool

    @classmethod
    def of(cls, record: dict) -> RecordSummary:
        written = record.get("written", {})
        return cls(record.get("slug"), record.get("yaml_sha256"), record.get("layout"),
                   record.get("machine"), record.get("edits", 0),
                   tuple(written.get("articles", [])), tuple(written.get("excluded", [])),
                   tuple(written.get("old_slugs", [])), bool(written.get("pinned", False)))


_UNREAD = object()


class StoredBriefing:
    """One briefing as found on disk: the editor's file and its merge record.

    A file exactly as briefgen last wrote it (``unchanged``) has the recorded
    document as its document; the record and the text are then read only when
    something needs them, so an untouched briefing costs no parsing at all.
    """

    def __init__(self, id: str, slug: str, file: str | None, text: str | None,
                 file_sha256: str | None, doc: dict | None, record: dict | None, *,
                 summary: RecordSummary | None = None, folder: Path | None = None,
                 unchanged: bool = False, record_sha256: str | None = None):
        self.id = id
        self.slug = slug  # the slug it has now (after an editor's rename)
        self.file = file  # file name under content/briefings/; None when the editor deleted it
        self.file_sha256 = file_sha256  # of the file's bytes
        self._text = text  # the file's text (_UNREAD: read on first use)
        self._doc = doc  # the editor's document; None when the file is gone (all handed back)
        self._record = record  # the merge record; None for a file the editor created
        if summary is None and isinstance(record, dict):
            summary = RecordSummary.of(record)
        self.summary = summary
        self.folder = folder
        self.unchanged = unchanged or (doc is not None and record is not None
                                       and record is not _UNREAD and doc is record.get("written"))
        self.record_sha256 = record_sha256
        self._rereadable = record is _UNREAD and folder is not None

    @property
    def record(self) -> dict | None:
        if self._record is _UNREAD:
            rel = f"{RECORDS_DIR}/{self.id}.json"
            record, problem = _read_record(read_bytes(self.folder / rel), rel)
            if record is None or problem is not None or \
                    RecordSummary.of(record) != self.summary:
                raise BriefgenError(Problem(rel, "changed while briefgen was reading it; "
                                            "run the build again"))
            self._record = record
        return self._record

    def forget_record(self) -> None:
        """Let go of a record read on first use (it is read again if needed), so that a
        build rebuilding every unchanged briefing from its record holds one at a time."""
        if self._rereadable:
            self._record = _UNREAD

    @property
    def doc(self) -> dict | None:
        return self.written if self.unchanged else self._doc

    @property
    def text(self) -> str | None:
        if self._text is _UNREAD:
            data = read_bytes(self.folder / self.file)
            if data is None or sha256(data) != self.file_sha256:
                raise BriefgenError(Problem(self.file, "changed while briefgen was reading it; "
                                            "run the build again"))
            self._text = data.decode("utf-8-sig")
        return self._text

    @property
    def written(self) -> dict:
        return (self.record or {}).get("written", {})

    @property
    def has_doc(self) -> bool:
        return self.unchanged or self._doc is not None

    @property
    def written_articles(self) -> list[str]:
        return list(self.summary.articles) if self.summary is not None else []

    @property
    def written_excluded(self) -> list[str]:
        return list(self.summary.excluded) if self.summary is not None else []

    def listed_articles(self) -> list[str]:
        if self.unchanged:
            return self.written_articles
        if self._doc is not None and "articles" in self._doc:
            return list(self._doc["articles"])
        return self.written_articles

    def listed_excluded(self) -> list[str]:
        """The file's own ``excluded:`` list."""
        if self.unchanged:
            return self.written_excluded
        return list((self._doc or {}).get("excluded", []))

    def old_slugs(self) -> list[str]:
        if self.unchanged or self._doc is None:
            return list(self.summary.old_slugs) if self.summary is not None else []
        return list(self._doc.get("old_slugs", []))

    @property
    def pinned(self) -> bool:
        if self.unchanged:
            return self.summary.pinned
        return bool((self._doc or {}).get("pinned", False))

    @property
    def merged_into(self) -> str | None:
        if self.unchanged:
            return None  # briefgen never writes merged_into
        return (self._doc or {}).get("merged_into")


@dataclass
class Result:
    """One briefing's merge, with its changed file and record staged for ``save_all``."""

    edits: int
    unchanged: bool = False  # the file and record on disk stand as they are: the rest is unset
    name: str = ""  # the file's name under content/briefings/
    file: Staged | None = None  # the file as it should be; None when the one on disk says exactly this
    current: bytes | None = None  # the file as it is on disk (None: there is none)
    record: RecordSummary | None = None  # of the new record
    record_file: Staged | None = None  # the new record; None when the one on disk says exactly this
    frozen: bytes = b""  # the Briefing, as ``freeze_briefing`` made it


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
    results: dict[str, Result] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # id -> sha256 of its frozen Briefing
    cache: StageCache | None = None
    undone: dict[str, bytes | None] = field(default_factory=dict)  # a killed build's changes, undone

    def current_bytes(self, rel: str) -> bytes | None:
        """A file's bytes as this build reads them: as on disk once ``save_all`` has
        undone what a killed build changed."""
        return self.undone[rel] if rel in self.undone else read_bytes(self.folder / rel)


#: The stage cache: a folder under the project's cache folder (``.briefgen/``).
CACHE_DIR = "briefings"
#: The single-file cache of earlier versions, removed when the folder is written.
LEGACY_CACHE_FILE = "briefings.pickle"
#: Entries are spread over this many shards by the briefing (or file) they
#: belong to, so a build that changes a few briefings rewrites a few shards.
SHARDS = 64
#: A file whose status changed this shortly before the cache was written could
#: be edited again within the same timestamp tick; such a file is hashed again.
RACY_NS = 100_000_000
#: What ``load_all`` needs; the frozen Briefings ("briefings") are kept apart
#: and read only when ``reconcile`` asks for the first one.
INDEX_TABLES = ("files", "summaries", "machine")
BLOB_TABLES = ("briefings",)


def stat_key(path: Path | str) -> tuple | None:
    """What tells a file apart without reading it; None for a symbolic link or no file."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat_module.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


#: The modules whose code the cached values depend on: records, documents and
#: Briefings are read, merged and frozen here; the rest of briefgen may change
#: freely without emptying the cache.
_CODE_FILES = ("atomic.py", "models.py")
_CODE_PREFIX = "briefing"


def _code_version() -> str:
    """The stage's own code: a cached value is only reused by the code that made it."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        package = Path(__file__).resolve().parent
        digest = hashlib.sha256(f"{CACHE_FORMAT}".encode())
        for path in sorted(package.glob("*.py")):
            if path.name in _CODE_FILES or path.name.startswith(_CODE_PREFIX):
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
        _CODE_VERSION = digest.hexdigest()
    return _CODE_VERSION


_CODE_VERSION: str | None = None
CACHE_FORMAT = 2


def _shard(owner: str) -> int:
    return zlib.crc32(owner.encode("utf-8", "surrogatepass")) % SHARDS


class StageCache:
    """Disposable shortcuts for files nobody touched, under ``.briefgen/briefings/``.

    Everything here is also in ``content/briefings/`` (the merge records stay
    the truth): a file is known by its status (device, inode, size, times) and
    then by its hash, a record by its hash. Deleting the cache only costs
    time. Entries a build did not use are dropped when it saves.

    Every entry is a pure function of its key, so the shards are independent:
    each is written atomically and only when its entries changed, and any mix
    of shards from different builds is still a valid cache. An entry's shard
    comes from its owner (the briefing's id, or a file's path).
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        tables = INDEX_TABLES + BLOB_TABLES
        self.merged: dict[str, dict] = {t: {} for t in tables}  # key: value, all shards
        self.loaded: dict[str, list[dict]] = {}  # part: per shard, {table: {key: value}}
        self.used: dict[str, dict] = {t: {} for t in tables}  # key: (shard, value)
        self._load("index")

    def _load(self, part: str) -> None:
        """Read one part of every shard; a missing, stale or torn shard counts as empty."""
        tables = INDEX_TABLES if part == "index" else BLOB_TABLES
        shards: list[dict] = [{} for _ in range(SHARDS)]
        self.loaded[part] = shards
        if self.folder is None:
            return
        version = _code_version()
        for number in range(SHARDS):
            saved = load_value(self.folder / f"{part}-{number:02d}.pickle", version)
            try:
                entries = {table: dict(saved[table]) for table in tables}
            except (KeyError, TypeError, ValueError):  # absent, stale or not ours
                continue
            shards[number] = entries
            for table in tables:
                self.merged[table].update(entries[table])

    def _table(self, table: str) -> dict:
        if table in BLOB_TABLES and "blobs" not in self.loaded:
            self._load("blobs")
        return self.merged[table]

    def get(self, table: str, key: Any, owner: str) -> Any:
        value = self._table(table).get(key)
        if value is not None:
            self.used[table][key] = (_shard(owner), value)
        return value

    def put(self, table: str, key: Any, value: Any, owner: str) -> None:
        self._table(table)
        self.used[table][key] = (_shard(owner), value)

    def file_sha(self, rel: str, key: tuple | None) -> str | None:
        """The hash of a file whose status is what it was when it was hashed."""
        if key is None:
            return None
        entry = self.merged["files"].get(rel)
        if entry is None or entry[0] != key:
            return None
        self.used["files"][rel] = (_shard(rel), entry)
        return entry[1]

    def note_file(self, rel: str, key: tuple | None, digest: str) -> None:
        if key is not None:
            self.used["files"][rel] = (_shard(rel), (key, digest))

    def forget_file(self, rel: str) -> None:
        self.used["files"].pop(rel, None)

    def save(self) -> None:
        """Rewrite the shards whose entries changed; never fails a build."""
        if self.folder is None:
            return
        racy = time.time_ns() - RACY_NS
        self.used["files"] = {rel: entry for rel, entry in self.used["files"].items()
                              if entry[1][0][4] < racy}
        for part, tables in (("index", INDEX_TABLES), ("blobs", BLOB_TABLES)):
            if part not in self.loaded:
                continue  # never read, so never used: the shards on disk stand
            now: list[dict] = [{table: {} for table in tables} for _ in range(SHARDS)]
            for table in tables:
                for key, (number, value) in self.used[table].items():
                    now[number][table][key] = value
            for number, (entries, before) in enumerate(zip(now, self.loaded[part])):
                empty = not any(entries.values())
                if entries != before and not (empty and not before):
                    self._write(f"{part}-{number:02d}.pickle", None if empty else entries)
        remove_stale_temps(self.folder)  # of a build killed while saving
        try:
            (self.folder.parent / LEGACY_CACHE_FILE).unlink()
        except OSError:
            pass

    def _write(self, name: str, entries: dict | None) -> None:
        path = self.folder / name
        try:
            if entries is None:
                path.unlink(missing_ok=True)
            else:
                save_value(path, _code_version(), entries)
        except OSError:
            pass  # a cache that cannot be written only costs the next build time


def journal(folder: Path) -> Journal:
    return Journal(folder, folder / RECORDS_DIR / JOURNAL_FILE)


def linked_folder(project: Project) -> Path | None:
    """The briefings folder (or its records folder) when it is a symbolic link: refused.

    Following it would read, rewrite and delete files outside the project.
    """
    for folder in (project.briefings_dir, project.briefings_dir / RECORDS_DIR):
        if folder.is_symlink():
            return folder
    return None


def load_store(project: Project) -> tuple[Store, list[Problem]]:
    """Every briefing of the project, and every problem found; reads only, never writes.

    A file or record whose status matches the stage cache is not read: its
    hash, and for a record what the checks need, come from the cache.
    """
    with paused_gc():
        return _load_store(project)


def _load_store(project: Project) -> tuple[Store, list[Problem]]:
    folder = project.briefings_dir
    shown = shown_path(project)
    store = Store(folder, {})
    problems: list[Problem] = []
    linked = linked_folder(project)
    if linked is not None:
        where = shown(linked.relative_to(folder).as_posix()) if linked != folder else \
            shown("").rstrip("/")
        problems.append(Problem(where, "is a symbolic link; briefing files must be in the "
                                "project itself (replace the link with the folder)"))
        return store, problems
    cache = store.cache = StageCache(project.cache_dir / CACHE_DIR)
    if not folder.is_dir():
        return store, problems
    view = store.undone = journal(folder).pending_view()

    def read(rel: str) -> bytes | None:
        return view[rel] if rel in view else read_bytes(folder / rel)

    records: dict[str, tuple[Any, RecordSummary, str | None]] = {}  # id: record, summary, sha
    records_dir = folder / RECORDS_DIR
    base = os.fspath(folder)
    records_base = os.fspath(records_dir)
    record_names = {n for n in os.listdir(records_dir) if n.endswith(".json")} if \
        records_dir.is_dir() else set()
    record_names |= {r.split("/", 1)[1] for r, d in view.items()
                     if r.startswith(RECORDS_DIR + "/") and d is not None}
    record_names -= {r.split("/", 1)[1] for r, d in view.items()
                     if r.startswith(RECORDS_DIR + "/") and d is None}
    record_names.discard(JOURNAL_FILE)
    for name in sorted(record_names):
        rel = f"{RECORDS_DIR}/{name}"
        key = None if rel in view else stat_key(f"{records_base}/{name}")
        digest = cache.file_sha(rel, key)
        summary = cache.get("summaries", digest, name[:-len(".json")]) if digest is not None else None
        if summary is not None:
            records[name[:-len(".json")]] = (_UNREAD, summary, digest)
            continue
        data = read(rel)
        record, problem = _read_record(data, shown(rel))
        if problem:
            problems.append(problem)
        elif record is not None:
            if record["id"] in records or name != f"{record['id']}.json":
                problems.append(Problem(shown(rel), f"merge record for '{record['id']}' is "
                                        "misnamed or duplicated; restore it from version control"))
                continue
            digest = sha256(data)
            summary = RecordSummary.of(record)
            cache.note_file(rel, key, digest)
            cache.put("summaries", digest, summary, record["id"])
            # read again when needed, as if the cache had known it: a build without the
            # cache (the first after an upgrade) then does not hold every record at once;
            # a record only a killed build's journal holds is kept
            records[record["id"]] = (record if rel in view else _UNREAD, summary, digest)
    by_slug_sha = {(summary.slug, summary.yaml_sha256): bid
                   for bid, (_, summary, _) in records.items()}

    names = {n for n in os.listdir(folder) if n.endswith(".yaml")}
    names |= {r for r, d in view.items() if "/" not in r and r.endswith(".yaml") and d is not None}
    names -= {r for r, d in view.items() if "/" not in r and d is None}
    files: list[tuple[str, Any, str, dict | None, str | None]] = []  # name, text, sha, doc, id
    for name in sorted(names):
        key = None if name in view else stat_key(f"{base}/{name}")
        stem = name[:-len(".yaml")]
        digest = cache.file_sha(name, key)
        if digest is not None and (stem, digest) in by_slug_sha:
            files.append((name, _UNREAD, digest, None, by_slug_sha[(stem, digest)]))
            continue
        path = folder / name
        if key is None and name not in view and path.is_symlink():
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
        digest = sha256(data)
        cache.note_file(name, key, digest)
        known = by_slug_sha.get((stem, digest))
        if known is not None:  # exactly what briefgen wrote last: no need to parse it
            files.append((name, text if name in view else _UNREAD, digest, None, known))
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
        record = _record_of(folder, rid, records) if rid in records else None
        machine_ids = {n: set(v.values()) for n, v in (record or {}).get("keys", {}).items()}
        doc, found = tree_to_document(tree, shown(name), machine_ids)
        problems.extend(found)
        if found:
            continue
        files.append((name, text, digest, doc, None))

    def stored(bid: str, slug: str, name: str | None, text: Any, digest: str | None,
               doc: dict | None, unchanged: bool = False) -> StoredBriefing:
        record, summary, record_sha = records.get(bid, (None, None, None))
        return StoredBriefing(bid, slug, name, text, digest, doc, record, summary=summary,
                              folder=folder, unchanged=unchanged, record_sha256=record_sha)

    used_ids = set(records)
    claimed: dict[str, str] = {}
    waiting: list[tuple[str, str, str, dict]] = []
    for name, text, digest, doc, known in files:
        if known is not None:
            bid = known
        elif "id" not in doc:
            waiting.append((name, text, digest, doc))
            continue
        else:
            bid = doc["id"]
        if bid in claimed:
            problems.append(Problem(shown(name), f"id '{bid}' is also the id of "
                                    f"{shown(claimed[bid])}; each briefing needs its own id "
                                    "(remove the id line from a copied file)"))
            continue
        claimed[bid] = name
        used_ids.add(bid)
        if known is not None:  # the recorded document, read only if needed
            store.briefings[bid] = stored(bid, name[:-len(".yaml")], name, text, digest, None,
                                          unchanged=True)
        else:
            summary = records[bid][1] if bid in records else None
            store.briefings[bid] = stored(bid, _slug_of(name, doc, summary), name, text, digest,
                                          doc)
    for name, text, digest, doc in waiting:  # files the editor created without an id
        seed = (doc.get("articles") or [name[:-len(".yaml")]])[0]
        bid = new_id(seed, used_ids)
        store.briefings[bid] = StoredBriefing(bid, _slug_of(name, doc, None), name, text, digest,
                                              doc, None, folder=folder)
    for bid, (_, summary, _) in sorted(records.items()):
        if bid not in store.briefings:  # its file was deleted: hand it all back to the machine
            store.briefings[bid] = stored(bid, summary.slug, None, None, None, None)

    problems.extend(_check_across(store, shown))
    return store, problems


def _record_of(folder: Path, bid: str, records: dict) -> dict:
    """A record the cache let ``load_store`` skip, read now that it is needed."""
    record, summary, digest = records[bid]
    if record is _UNREAD:
        record = StoredBriefing(bid, summary.slug, None, None, None, None, _UNREAD,
                                summary=summary, folder=folder).record
        records[bid] = (record, summary, digest)
    return record


def shown_path(project: Project):
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


def _slug_of(name: str, doc: dict, record: RecordSummary | None) -> str:
    """The slug after an editor's rename, by the slug: field or by renaming the file."""
    stem = name[:-len(".yaml")]
    field_slug = doc.get("slug")
    if field_slug is None or field_slug == stem:
        return stem
    if record is not None and field_slug == record.slug:
        return stem  # the file was renamed, the field left alone
    return field_slug


def new_id(seed: str, used: set[str]) -> str:
    """A new briefing's id: from its first article, so rebuilding from scratch gives the same."""
    base = "b-" + hashlib.sha1(seed.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    candidate, number = base, 2
    while candidate in used:
        candidate = f"{base}-{number}"
        number += 1
    used.add(candidate)
    return candidate


def _check_across(store: Store, shown) -> list[Problem]:
    """Problems that involve more than one file: slugs, shared articles, merges."""
    problems: list[Problem] = []

    def where(b: StoredBriefing) -> str:
        return shown(b.file) if b.file else shown(f"{RECORDS_DIR}/{b.id}.json")

    # Files first: a briefing whose file was deleted yields its slug to a file that took it.
    briefings = sorted(store.briefings.values(), key=lambda b: (b.file is None, b.id))
    by_slug: dict[str, StoredBriefing] = {}
    for b in briefings:
        if not SLUG_RE.match(b.slug):
            problems.append(Problem(where(b), f"file name '{b.slug}' is not a slug: use lower-case "
                                    "letters, digits and '-', ending in .yaml"))
        other = by_slug.get(b.slug)
        if other is not None and b.file is None:
            base, number = b.slug, 2
            while f"{base}-{number}" in by_slug:
                number += 1
            b.slug = f"{base}-{number}"
        elif other is not None:
            problems.append(Problem(where(b), f"slug '{b.slug}' is also used by {shown(other.file)}"))
        by_slug[b.slug] = b
    briefings.sort(key=lambda b: b.id)
    # An article listed by two briefings: the one that newly lists it gets it (a move).
    listing: dict[str, list[StoredBriefing]] = {}
    for b in briefings:
        if not b.has_doc:
            continue
        for article in b.listed_articles():
            listing.setdefault(article, []).append(b)
    for article, owners in sorted((article, owners) for article, owners in listing.items() if len(owners) > 1):
        newcomers = [b for b in owners if article not in b.written_articles]
        if len(newcomers) == 1:
            store.owner_hint[article] = newcomers[0].id
        else:
            names = ", ".join(shown(b.file) for b in owners)
            problems.append(Problem(shown(owners[-1].file), f"article '{article}' is listed in "
                                    f"more than one briefing ({names}); remove it from all but one"))
    # merged_into must name another live briefing (its slug or an old slug).
    slugs: dict[str, str] = {}
    for b in briefings:
        for old in b.old_slugs():
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
