"""Reading every briefing file and merge record of a project, and checking them as a set.

A file briefgen wrote and nobody touched since is recognized by its hash (kept
in its merge record) and not parsed again: its document is the one recorded.
Any other file is parsed and validated. Problems that involve several files
(two files with one id or slug, an article listed twice, a merge into nowhere)
are found here too, so ``load_all`` can report everything at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import Journal, read_bytes, sha256
from .briefing_schema import SLUG_RE, read_tree, tree_to_document
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


@dataclass
class StoredBriefing:
    """One briefing as found on disk: the editor's file and its merge record."""

    id: str
    slug: str  # the slug it has now (after an editor's rename)
    file: str | None  # file name under content/briefings/; None when the editor deleted it
    text: str | None  # the file's text
    file_sha256: str | None  # of the file's bytes
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
class Result:
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
    results: dict[str, Result] = field(default_factory=dict)


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
    """Every briefing of the project, and every problem found; reads only, never writes."""
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
    if not folder.is_dir():
        return store, problems
    view = journal(folder).pending_view()

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
    files: list[tuple[str, str, str, dict, dict | None]] = []  # name, text, sha, doc, record
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
        digest = sha256(data)
        known = by_slug_sha.get((stem, digest))
        if known is not None:  # exactly what briefgen wrote last: no need to parse it
            files.append((name, text, digest, known["written"], known))
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
        files.append((name, text, digest, doc, record))

    used_ids = set(records)
    claimed: dict[str, str] = {}
    waiting: list[tuple[str, str, dict]] = []
    for name, text, digest, doc, record in files:
        if "id" not in doc:
            waiting.append((name, text, digest, doc))
            continue
        bid = doc["id"]
        if bid in claimed:
            problems.append(Problem(shown(name), f"id '{bid}' is also the id of "
                                    f"{shown(claimed[bid])}; each briefing needs its own id "
                                    "(remove the id line from a copied file)"))
            continue
        claimed[bid] = name
        used_ids.add(bid)
        store.briefings[bid] = StoredBriefing(bid, _slug_of(name, doc, record), name, text, digest,
                                              doc, record)
    for name, text, digest, doc in waiting:  # files the editor created without an id
        seed = (doc.get("articles") or [name[:-len(".yaml")]])[0]
        bid = new_id(seed, used_ids)
        store.briefings[bid] = StoredBriefing(bid, _slug_of(name, doc, None), name, text, digest,
                                              doc, None)
    for bid, record in sorted(records.items()):
        if bid not in store.briefings:  # its file was deleted: hand it all back to the machine
            store.briefings[bid] = StoredBriefing(bid, record["slug"], None, None, None, None, record)

    problems.extend(_check_across(store, shown))
    return store, problems


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


def _slug_of(name: str, doc: dict, record: dict | None) -> str:
    """The slug after an editor's rename, by the slug: field or by renaming the file."""
    stem = name[:-len(".yaml")]
    field_slug = doc.get("slug")
    if field_slug is None or field_slug == stem:
        return stem
    if record is not None and field_slug == record.get("slug"):
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
    # Files first: a briefing whose file was deleted yields its slug to a file that took it.
    briefings = sorted(store.briefings.values(), key=lambda b: (b.file is None, b.id))
    by_slug: dict[str, StoredBriefing] = {}
    for b in briefings:
        where = shown(b.file) if b.file else shown(f"{RECORDS_DIR}/{b.id}.json")
        if not SLUG_RE.match(b.slug):
            problems.append(Problem(where, f"file name '{b.slug}' is not a slug: use lower-case "
                                    "letters, digits and '-', ending in .yaml"))
        other = by_slug.get(b.slug)
        if other is not None and b.file is None:
            base, number = b.slug, 2
            while f"{base}-{number}" in by_slug:
                number += 1
            b.slug = f"{base}-{number}"
        elif other is not None:
            problems.append(Problem(where, f"slug '{b.slug}' is also used by {shown(other.file)}"))
        by_slug[b.slug] = b
    briefings.sort(key=lambda b: b.id)
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
