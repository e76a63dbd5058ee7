"""The briefing YAML format: its fields, its validation and its older versions.

A briefing file is read into a *document*: plain dicts, lists, strings, ints,
bools and None, holding only the keys the file actually has (a missing key
means "the machine's value", so it must stay distinguishable from ``null``).
Every problem in a file is collected with its line and column, so an editor
fixes them all in one go.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml as _pyyaml

from .diagnostics import BriefgenError, Problem
from .models import FIGURE_KINDS
from .safeyaml import MAX_YAML_BYTES, NoAliasLoader, yaml_problem

#: The format written today; older files are migrated on read (see MIGRATIONS).
FORMAT_VERSION = 1

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
ITEM_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
BRIEFING_ID_RE = re.compile(r"^b-[a-z0-9][a-z0-9-]{0,39}$")
REPORTER_TYPES = ("party", "independent")
DISPUTE_TYPES = ("revision", "conflict")


@dataclass(frozen=True)
class Section:
    """A list of items in a briefing file, and how one item is identified."""

    name: str
    identity: str  # "id", "key" (sources) or "name" (actors, places)
    prefix: str  # public id prefix ("f" -> f1, f2 ...); "" when identity is not an id
    fields: tuple[str, ...]  # every field, in the order the file shows them
    required: tuple[str, ...]  # fields an item the editor adds must have


# Field name -> type checker name (see _CHECKS).
FIELD_TYPES: dict[str, str] = {
    "id": "item_id", "text": "text", "sources": "keys", "checked": "bool",
    "kind": "text", "value": "count", "qualifier": "text?", "group": "text?",
    "cumulative": "bool", "period": "text?", "date": "date?", "reported_by": "text?",
    "reporter_type": "reporter_type?", "source": "key", "quote": "text?", "note": "text?",
    "who": "text", "what": "text", "when": "text?", "name": "text",
    "ref": "ref", "key": "key", "title": "text", "publisher": "text?", "url": "url?",
    "published": "date?", "author": "text?", "copy_of": "key?",
}

SECTIONS: dict[str, Section] = {s.name: s for s in (
    Section("summary", "id", "s", ("id", "text", "sources", "checked"), ("text",)),
    Section("figures", "id", "f",
            ("id", "kind", "value", "qualifier", "group", "cumulative", "period", "date",
             "reported_by", "reporter_type", "source", "quote", "checked", "note"),
            ("kind", "value", "source")),
    Section("claims", "id", "c", ("id", "who", "what", "source", "quote", "checked"),
            ("who", "what", "source")),
    Section("actors", "name", "", ("name", "kind", "sources"), ("name",)),
    Section("places", "name", "", ("name", "kind", "sources"), ("name",)),
    Section("timeline", "id", "t", ("id", "date", "when", "text", "source", "quote", "checked"),
            ("text", "source")),
    Section("background", "id", "bg", ("id", "text", "sources", "checked"), ("text",)),
    Section("sources", "key", "",
            ("ref", "key", "title", "publisher", "url", "published", "author", "copy_of"),
            ("key", "title")),
)}

#: Top-level keys in the order a file shows them.
TOP_KEYS = ("version", "id", "slug", "title", "pinned", "merged_into", "summary", "figures",
            "disputes", "claims", "actors", "places", "timeline", "background", "sources",
            "articles", "excluded", "old_slugs", "deleted", "notes")
DISPUTE_FIELDS = ("type", "figures", "note")
ENTITY_KIND_DEFAULT = {"actors": "organization", "places": "place"}

#: Value an editor-added item gets for a field it leaves out.
DEFAULTS: dict[str, Any] = {
    "sources": [], "checked": False, "qualifier": None, "group": None, "cumulative": False,
    "period": None, "date": None, "reported_by": None, "reporter_type": None, "quote": None,
    "note": None, "when": None, "publisher": None, "url": None, "published": None,
    "author": None, "copy_of": None,
}


# ---------------------------------------------------------------------------
# Older formats
# ---------------------------------------------------------------------------

def _rename_key(mapping: Any, old: str, new: str) -> None:
    """Rename a key in place, keeping its position, comments and line numbers."""
    if old not in mapping or new in mapping:
        return
    keys = list(mapping.keys())
    position = keys.index(old)
    lc = getattr(mapping, "lc", None)
    where = lc.data.pop(old, None) if lc is not None else None
    comment = mapping.ca.items.pop(old, None)
    value = mapping.pop(old)
    mapping.insert(position, new, value)
    if where is not None:
        lc.data[new] = where
    if comment is not None:
        mapping.ca.items[new] = comment


def _migrate_0_to_1(tree: Any) -> None:
    """Version 0 called the timeline ``events`` and an item's source ``article``."""
    _rename_key(tree, "events", "timeline")
    for section in ("figures", "claims", "timeline"):
        items = tree.get(section)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and hasattr(item, "insert"):
                    _rename_key(item, "article", "source")


#: version -> function that turns a file of that version into the next version, in place.
MIGRATIONS: dict[int, Callable[[Any], None]] = {0: _migrate_0_to_1}


def migrate(tree: Any) -> list[str]:
    """Bring a parsed file to FORMAT_VERSION; returns problems (newer or unknown version)."""
    version = tree.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        return ["'version' must be a whole number"]
    if version > FORMAT_VERSION:
        return [(f"format version {version} is newer than this briefgen understands "
                 f"({FORMAT_VERSION}); upgrade briefgen")]
    while version < FORMAT_VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            return [f"format version {version} is not supported"]
        step(tree)
        version += 1
    if "version" in tree:
        tree["version"] = FORMAT_VERSION
    return []


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Reading: PyYAML nodes (C parser when it can), with positions, no tags, no aliases
# ---------------------------------------------------------------------------

#: The only tags a briefing file may use (all of them implicit, plain YAML).
_SAFE_TAGS = {f"tag:yaml.org,2002:{name}" for name in
              ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}
_FastComposer = getattr(_pyyaml, "CSafeLoader", _pyyaml.SafeLoader)
_SCALARS = _pyyaml.SafeLoader("")


class _Positions:
    """Line and column of each key, value or item (0-based), like ruamel's ``lc``."""

    def __init__(self) -> None:
        self.data: dict[Any, tuple[int, int, int, int]] = {}

    def key(self, key: Any) -> tuple[int, int]:
        return self.data[key][0], self.data[key][1]

    def value(self, key: Any) -> tuple[int, int]:
        return self.data[key][2], self.data[key][3]

    def item(self, index: int) -> tuple[int, int]:
        return self.data[index][0], self.data[index][1]


class _NoComments:
    def __init__(self) -> None:
        self.items: dict[Any, Any] = {}


class PMap(dict):
    """A mapping read from a file, remembering where each key and value was."""

    def __init__(self) -> None:
        super().__init__()
        self.lc = _Positions()
        self.ca = _NoComments()

    def insert(self, position: int, key: Any, value: Any) -> None:
        entries = list(self.items())
        entries.insert(position, (key, value))
        self.clear()
        self.update(entries)


class PList(list):
    """A list read from a file, remembering where each item was."""

    def __init__(self) -> None:
        super().__init__()
        self.lc = _Positions()


def read_tree(text: str, path: str) -> PMap | None:
    """Parse one briefing file safely, keeping positions; raise BriefgenError if it is not YAML.

    Anchors, aliases and explicit tags are refused before anything is built
    (no "billion laughs", no Python objects); a duplicate key is an error
    rather than silently keeping the last value.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise BriefgenError(Problem(path, f"YAML larger than {MAX_YAML_BYTES} bytes refused"))
    loader = NoAliasLoader if ("&" in text or "*" in text) else _FastComposer
    _refuse_deep_nesting(text, path, loader)
    try:
        root = _pyyaml.compose(text, Loader=loader)
    except _pyyaml.YAMLError as exc:
        raise BriefgenError(yaml_problem(exc, path)) from None
    except (ValueError, TypeError) as exc:
        raise BriefgenError(Problem(path, f"invalid YAML: {exc}")) from None
    if root is None:
        return None
    problems: list[Problem] = []
    tree = _build(root, path, problems)
    if problems:
        raise BriefgenError(problems)
    if not isinstance(tree, PMap):
        raise BriefgenError(Problem(path, "a briefing file must be a mapping of field: value", 1, 1))
    return tree


#: Deeper nesting than any briefing needs (it uses 3 levels) is refused before
#: composing: the composers recurse, and a few thousand '[' would overflow the stack.
MAX_DEPTH = 20


def _refuse_deep_nesting(text: str, path: str, loader: Any) -> None:
    depth = 0
    try:
        for event in _pyyaml.parse(text, Loader=loader):
            if isinstance(event, _pyyaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise BriefgenError(Problem(path, f"nested more than {MAX_DEPTH} levels deep",
                                                mark.line + 1, mark.column + 1))
            elif isinstance(event, _pyyaml.CollectionEndEvent):
                depth -= 1
    except _pyyaml.YAMLError as exc:
        raise BriefgenError(yaml_problem(exc, path)) from None
    except (ValueError, TypeError) as exc:
        raise BriefgenError(Problem(path, f"invalid YAML: {exc}")) from None


def _build(node: Any, path: str, problems: list[Problem]) -> Any:
    mark = node.start_mark
    if node.tag not in _SAFE_TAGS:
        problems.append(Problem(path, f"tag {node.tag!r} is not allowed (plain values only)",
                                mark.line + 1, mark.column + 1))
        return None
    if isinstance(node, _pyyaml.MappingNode):
        mapping = PMap()
        for key_node, value_node in node.value:
            key = _build(key_node, path, problems)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                problems.append(Problem(path, "a key must be a plain word",
                                        key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                continue
            if key in mapping:
                first = mapping.lc.key(key)
                problems.append(Problem(path, f"duplicate key '{key}' (first on line {first[0] + 1})",
                                        key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                continue
            mapping[key] = _build(value_node, path, problems)
            mapping.lc.data[key] = (key_node.start_mark.line, key_node.start_mark.column,
                                    value_node.start_mark.line, value_node.start_mark.column)
        return mapping
    if isinstance(node, _pyyaml.SequenceNode):
        seq = PList()
        for index, child in enumerate(node.value):
            seq.append(_build(child, path, problems))
            seq.lc.data[index] = (child.start_mark.line, child.start_mark.column, 0, 0)
        return seq
    try:
        return _SCALARS.yaml_constructors[node.tag](_SCALARS, node)
    except (ValueError, TypeError, OverflowError, _pyyaml.YAMLError):
        return node.value  # an impossible date such as 2020-02-31: the schema check names it


def _key_position(mapping: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, col = mapping.lc.key(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError):
        return None, None


def _value_position(mapping: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, col = mapping.lc.value(key)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError):
        return _key_position(mapping, key)


def _item_position(seq: Any, index: int) -> tuple[int | None, int | None]:
    try:
        line, col = seq.lc.item(index)
        return line + 1, col + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return None, None


def did_you_mean(name: str, known: tuple[str, ...] | list[str]) -> str:
    hint = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


class _Checker:
    """Collects the problems of one file while turning its tree into a document."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, message: str, where: tuple[int | None, int | None] = (None, None)) -> None:
        self.problems.append(Problem(self.path, message, where[0], where[1]))

    # -- scalar checks: return (ok, normalized value) --------------------------
    def scalar(self, kind: str, value: Any, label: str, where) -> tuple[bool, Any]:
        optional = kind.endswith("?")
        base = kind.rstrip("?")
        if value is None:
            if optional:
                return True, None
            self.add(f"{label} must not be empty", where)
            return False, None
        if base in ("text", "key", "item_id", "url", "reporter_type", "slug"):
            if isinstance(value, (bool, list, dict, _dt.date, _dt.datetime)):
                self.add(f"{label} must be text", where)
                return False, None
            if isinstance(value, (int, float)) and base == "text":
                value = str(value)
            if not isinstance(value, str):
                self.add(f"{label} must be text", where)
                return False, None
            value = str(value)
            if base != "text" and not value.strip():
                self.add(f"{label} must not be empty", where)
                return False, None
            if base == "key" and ("\n" in value or len(value) > 300):
                self.add(f"{label} must be a source key on one line", where)
                return False, None
            if base == "item_id" and not ITEM_ID_RE.match(value):
                self.add(f"{label} '{value}' must be letters, digits, '-' or '_'", where)
                return False, None
            if base == "url" and not value.startswith(("http://", "https://")):
                self.add(f"{label} must start with http:// or https://", where)
                return False, None
            if base == "reporter_type" and value not in REPORTER_TYPES:
                self.add(f"{label} must be one of {', '.join(REPORTER_TYPES)} or null", where)
                return False, None
            return True, value
        if base == "bool":
            if not isinstance(value, bool):
                self.add(f"{label} must be true or false", where)
                return False, None
            return True, bool(value)
        if base in ("count", "ref", "version"):
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(f"{label} must be a whole number, not {_shown(value)}", where)
                return False, None
            value = int(value)
            if base == "count" and value < 0:
                self.add(f"{label} must be 0 or more", where)
                return False, None
            if base == "ref" and value < 1:
                self.add(f"{label} must be 1 or more", where)
                return False, None
            return True, value
        if base == "date":
            if isinstance(value, _dt.datetime):
                self.add(f"{label} must be a date (YYYY-MM-DD), without a time", where)
                return False, None
            if isinstance(value, _dt.date):
                return True, value.isoformat()
            if isinstance(value, str):
                try:
                    return True, _dt.date.fromisoformat(value.strip()).isoformat()
                except ValueError:
                    pass
            self.add(f"{label} must be a date written YYYY-MM-DD, not {_shown(value)}", where)
            return False, None
        raise AssertionError(base)

    def key_list(self, value: Any, label: str, where, kind: str = "key") -> tuple[bool, list[str]]:
        if value is None:
            return True, []
        if not isinstance(value, list):
            self.add(f"{label} must be a list", where)
            return False, []
        out: list[str] = []
        ok = True
        for index, entry in enumerate(value):
            spot = _item_position(value, index)
            good, text = self.scalar(kind, entry, f"{label} entry", spot if spot[0] else where)
            if good:
                out.append(text)
            ok = ok and good
        return ok, out


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 40 else text[:37] + "..."


def tree_to_document(tree: Any, path: str,
                     machine_ids: dict[str, set[str]] | None = None) -> tuple[dict, list[Problem]]:
    """Validate a parsed (and migrated) file and return its document and problems.

    ``machine_ids`` are, per section, the identities the machine generated
    before: such an item may leave fields out (handing them back), while an
    item the editor added must carry the required fields.
    """
    check = _Checker(path)
    doc: dict[str, Any] = {}
    if tree is None:
        return doc, check.problems
    machine_ids = machine_ids or {}
    for problem in migrate(tree):
        check.add(problem, _value_position(tree, "version") if "version" in tree else (1, 1))
        return doc, check.problems
    for key in tree:
        where = _key_position(tree, key)
        if not isinstance(key, str) or key not in TOP_KEYS:
            check.add(f"unknown field '{key}'{did_you_mean(str(key), TOP_KEYS)}", where)
    for key in TOP_KEYS:
        if key not in tree:
            continue
        value = tree[key]
        where = _value_position(tree, key)
        if key == "version":
            ok, value = check.scalar("version", value, "'version'", where)
        elif key == "id":
            ok, value = check.scalar("text", value, "'id'", where)
            if ok and not BRIEFING_ID_RE.match(value):
                check.add("'id' must look like b-1a2b3c (do not change it: it links the file "
                          "to its merge record)", where)
                ok = False
        elif key in ("slug", "merged_into"):
            ok, value = check.scalar("text?" if key == "merged_into" else "text", value,
                                     f"'{key}'", where)
            if ok and value is not None and not SLUG_RE.match(value):
                check.add(f"'{key}' must be lower-case letters, digits and '-' "
                          f"(at most 80), not {_shown(value)}", where)
                ok = False
        elif key == "title":
            ok, value = check.scalar("text", value, "'title'", where)
        elif key == "notes":
            ok, value = check.scalar("text?", value, "'notes'", where)
        elif key == "pinned":
            ok, value = check.scalar("bool", value, "'pinned'", where)
        elif key in ("articles", "excluded"):
            ok, value = check.key_list(value, f"'{key}'", where)
            if ok and len(set(value)) != len(value):
                dupes = sorted({v for v in value if value.count(v) > 1})
                check.add(f"'{key}' lists {', '.join(dupes)} more than once", where)
                ok = False
        elif key == "old_slugs":
            ok, value = check.key_list(value, "'old_slugs'", where)
            for slug in value if ok else []:
                if not SLUG_RE.match(slug):
                    check.add(f"'old_slugs' entry {_shown(slug)} is not a slug", where)
                    ok = False
        elif key == "deleted":
            ok, value = _check_deleted(check, value, where)
        elif key == "disputes":
            ok, value = _check_disputes(check, value, where)
        else:
            ok, value = _check_section(check, SECTIONS[key], value, where,
                                       machine_ids.get(key, set()))
        if ok:
            doc[key] = value
    _check_references(check, tree, doc)
    check.problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    return doc, check.problems


def _check_deleted(check: _Checker, value: Any, where) -> tuple[bool, dict]:
    if value is None:
        return True, {}
    if not isinstance(value, dict):
        check.add("'deleted' must map a section (figures, claims, ...) to a list", where)
        return False, {}
    out: dict[str, list[str]] = {}
    ok = True
    for name in value:
        spot = _key_position(value, name)
        if name not in SECTIONS:
            check.add(f"'deleted' has unknown section '{name}'{did_you_mean(str(name), tuple(SECTIONS))}",
                      spot)
            ok = False
            continue
        good, entries = check.key_list(value[name], f"'deleted: {name}'", _value_position(value, name),
                                       "text" if SECTIONS[name].identity == "name" else "key")
        if good:
            out[name] = sorted(set(entries), key=_natural)
        ok = ok and good
    return ok, {name: out[name] for name in SECTIONS if name in out}


def _check_disputes(check: _Checker, value: Any, where) -> tuple[bool, list]:
    """Disputes are written by briefgen; they are only checked for shape."""
    if value is None:
        return True, []
    if not isinstance(value, list):
        check.add("'disputes' must be a list", where)
        return False, []
    out: list[dict] = []
    ok = True
    for index, raw in enumerate(value):
        spot = _item_position(value, index)
        label = f"disputes item {index + 1}"
        if not isinstance(raw, dict):
            check.add(f"{label} must be a mapping of field: value", spot)
            ok = False
            continue
        for name in raw:
            if name not in DISPUTE_FIELDS:
                check.add(f"{label}: unknown field '{name}'{did_you_mean(str(name), DISPUTE_FIELDS)}",
                          _key_position(raw, name))
                ok = False
        kind = raw.get("type")
        if kind not in DISPUTE_TYPES:
            check.add(f"{label}: 'type' must be one of {', '.join(DISPUTE_TYPES)}",
                      _value_position(raw, "type") if "type" in raw else spot)
            ok = False
        good, figures = check.key_list(raw.get("figures"), f"{label}: 'figures'",
                                       _value_position(raw, "figures") if "figures" in raw else spot)
        good_note, note = check.scalar("text?", raw.get("note"), f"{label}: 'note'",
                                       _value_position(raw, "note") if "note" in raw else spot)
        ok = ok and good and good_note
        out.append({"type": kind, "figures": figures, "note": note})
    return ok, out


def _check_section(check: _Checker, section: Section, value: Any, where,
                   machine_ids: set[str]) -> tuple[bool, list[dict]]:
    if value is None:
        return True, []
    if not isinstance(value, list):
        check.add(f"'{section.name}' must be a list of items (each starting with '- ')", where)
        return False, []
    items: list[dict] = []
    seen: dict[str, int] = {}
    refs: dict[int, int] = {}
    ok = True
    for index, raw in enumerate(value):
        spot = _item_position(value, index)
        label = f"{section.name} item {index + 1}"
        if not isinstance(raw, dict):
            check.add(f"{label} must be a mapping of field: value", spot)
            ok = False
            continue
        item: dict[str, Any] = {}
        for field_name in raw:
            if field_name not in section.fields:
                check.add(f"{label}: unknown field '{field_name}'"
                          f"{did_you_mean(str(field_name), section.fields)}",
                          _key_position(raw, field_name))
                ok = False
        identity = raw.get(section.identity)
        known = isinstance(identity, str) and \
            (identity.casefold() if section.identity == "name" else identity) in machine_ids
        for field_name in section.fields:
            if field_name not in raw:
                if field_name in section.required and not known:
                    check.add(f"{label}: '{field_name}' is missing", spot)
                    ok = False
                continue
            fspot = _value_position(raw, field_name)
            flabel = f"{label}: '{field_name}'"
            kind = FIELD_TYPES[field_name]
            if section.name in ("actors", "places") and field_name == "kind":
                kind = "text"
            if section.name == "figures" and field_name == "quote":
                kind = "text?"
            if kind == "keys":
                good, val = check.key_list(raw[field_name], flabel, fspot)
            else:
                good, val = check.scalar(kind, raw[field_name], flabel, fspot)
            if good and section.name == "figures" and field_name == "kind" and val not in FIGURE_KINDS:
                check.add(f"{flabel} {_shown(val)} is not a known kind; use one of "
                          f"{', '.join(FIGURE_KINDS)}{did_you_mean(val, FIGURE_KINDS)}", fspot)
                good = False
            if good:
                item[field_name] = val
            ok = ok and good
        ident = item.get(section.identity)
        if ident is not None:
            norm = ident.casefold() if section.identity == "name" else ident
            if norm in seen:
                check.add(f"{label}: {section.identity} '{ident}' is used twice in "
                          f"'{section.name}' (also item {seen[norm] + 1})", spot)
                ok = False
            else:
                seen[norm] = index
        if section.name == "sources" and "ref" in item:
            if item["ref"] in refs:
                check.add(f"{label}: ref {item['ref']} is used twice (also item "
                          f"{refs[item['ref']] + 1})", _value_position(raw, "ref"))
                ok = False
            refs[item["ref"]] = index
        items.append(item)
    return ok, items


def _check_references(check: _Checker, tree: Any, doc: dict) -> None:
    """Every cited source must be listed under sources: or be a member article."""
    known = {s["key"] for s in doc.get("sources", []) if "key" in s}
    known.update(doc.get("articles", []))
    if "sources" not in doc:
        return  # sources handed back to the machine: they will follow the articles
    for name in ("summary", "figures", "claims", "timeline", "background", "actors", "places"):
        raw_items = tree.get(name)
        for index, item in enumerate(doc.get(name, [])):
            cited = [item["source"]] if item.get("source") else []
            cited += item.get("sources", []) if name not in ("sources",) else []
            for key in cited:
                if key not in known:
                    spot = (None, None)
                    if isinstance(raw_items, list) and index < len(raw_items):
                        field_name = "source" if "source" in item else "sources"
                        spot = _value_position(raw_items[index], field_name)
                    check.add(f"{name} item {index + 1} cites '{key}', which is neither under "
                              f"'sources' nor in 'articles'{did_you_mean(key, sorted(known))}", spot)
    for index, item in enumerate(doc.get("sources", [])):
        copy_of = item.get("copy_of")
        if copy_of and copy_of not in known:
            check.add(f"sources item {index + 1}: copy_of '{copy_of}' is not a listed source",
                      _value_position(tree["sources"][index], "copy_of"))


def _natural(text: str) -> tuple:
    """Sort f2 before f10."""
    return tuple((0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part)
                 for part in re.split(r"([0-9]+)", text))


natural_key = _natural
