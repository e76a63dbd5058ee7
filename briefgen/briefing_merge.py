"""Three-way merge of one briefing: what the machine wrote, what the editor made of it, and
what the machine says now.

The rules, per field of every item:
* a field the editor never changed follows the machine (it is updated when the
  articles change);
* a field the editor changed is the editor's from then on ("owned"), until the
  editor deletes its line, which hands it back to the machine;
* an item marked ``checked: true`` is left exactly as the editor has it;
* an item the editor deleted is remembered (``deleted:``) and never comes back,
  unless its id is removed from ``deleted:``;
* an item the editor added is kept as written and gets an id;
* a new machine item gets a new id; ids and citation numbers are never reused.

All state the merge needs between runs lives in the merge record (see
``briefing.py``): the document as last written, the owned fields, and the
machine's content key -> public id table.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .briefing_schema import DEFAULTS, ENTITY_KIND_DEFAULT, SECTIONS, Section, natural_key

ID_SECTIONS = tuple(name for name, s in SECTIONS.items() if s.identity == "id")


def content_key(section: str, item: dict) -> str:
    """A stable identity for a machine item that came without one."""
    body = json.dumps({k: v for k, v in item.items() if k not in ("id", "checked")},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(f"{section}|{body}".encode("utf-8")).hexdigest()[:10]


def identity(section: Section, item: dict) -> str | None:
    value = item.get(section.identity)
    if value is None:
        return None
    return value.casefold() if section.identity == "name" else value


@dataclass
class MachineItem:
    """One item of the machine's new output, before it has a public id."""

    key: str  # content key (id sections), source key or entity name
    fields: dict[str, Any]


@dataclass
class MergeState:
    """The part of a merge record that the merge reads and updates."""

    owned: dict[str, Any] = field(default_factory=dict)  # "top": [..], section: {ident: [..]}
    keys: dict[str, dict[str, str]] = field(default_factory=dict)  # section: {content key: id}
    next: dict[str, int] = field(default_factory=dict)  # section: next number; "ref": next ref
    refs: dict[str, int] = field(default_factory=dict)  # source key -> citation number, forever

    @classmethod
    def from_record(cls, record: dict | None) -> "MergeState":
        if not record:
            return cls()
        return cls(owned=json.loads(json.dumps(record.get("owned", {}))),
                   keys={k: dict(v) for k, v in record.get("keys", {}).items()},
                   next=dict(record.get("next", {})),
                   refs=dict(record.get("refs", {})))

    def as_record(self) -> dict:
        owned: dict[str, Any] = {}
        top = sorted(set(self.owned.get("top", [])))
        if top:
            owned["top"] = top
        for name in SECTIONS:
            entries = {k: sorted(set(v)) for k, v in self.owned.get(name, {}).items() if v}
            if entries:
                owned[name] = dict(sorted(entries.items(), key=lambda kv: natural_key(kv[0])))
        keys = {name: dict(sorted(self.keys[name].items())) for name in sorted(self.keys)
                if self.keys[name]}
        return {"owned": owned, "keys": keys, "next": dict(sorted(self.next.items())),
                "refs": dict(sorted(self.refs.items()))}

    def machine_ids(self, section: str) -> set[str]:
        return set(self.keys.get(section, {}).values())


def merge_value(name: str, ours: dict | None, written: dict | None, theirs: Any,
                owned: set[str]) -> Any:
    """One field: the editor's value if they own it or just changed it, else the machine's."""
    if ours is None or name not in ours:
        owned.discard(name)
        return theirs
    if name in owned:
        return ours[name]
    if written is not None and name in written:
        if ours[name] == written[name]:
            return theirs
    elif ours[name] == theirs:
        return theirs
    owned.add(name)
    return ours[name]


def _bump(state: MergeState, section: Section, ids: list[str]) -> None:
    """Keep the counter past every number already used, so no id is ever reused."""
    pattern = re.compile(rf"^{re.escape(section.prefix)}(\d+)$")
    top = state.next.get(section.name, 1)
    for value in ids:
        match = pattern.match(value or "")
        if match:
            top = max(top, int(match.group(1)) + 1)
    state.next[section.name] = top


def _allocate(state: MergeState, section: Section, taken: set[str]) -> str:
    number = state.next.get(section.name, 1)
    while f"{section.prefix}{number}" in taken:
        number += 1
    state.next[section.name] = number + 1
    new_id = f"{section.prefix}{number}"
    taken.add(new_id)
    return new_id


@dataclass
class SectionResult:
    items: list[dict]
    deleted: list[str]
    edits_kept: int = 0


def merge_section(section: Section, ours_doc: dict | None, written_doc: dict,
                  theirs: list[MachineItem], state: MergeState) -> SectionResult:
    """Merge one list (figures, sources, actors, ...) of a briefing.

    ``ours_doc`` is None when the editor's file is missing (the whole briefing is
    handed back); a missing section key hands that section back.
    """
    name = section.name
    handed_back = ours_doc is None or name not in ours_doc
    ours_items: list[dict] = [] if handed_back else ours_doc[name]
    written_items = {identity(section, i): i for i in written_doc.get(name, [])
                     if identity(section, i) is not None}
    owned_map: dict[str, list[str]] = state.owned.setdefault(name, {})
    # Machine identities ever produced: content key -> public id for id sections,
    # identity -> identity for sources (key) and entities (folded name).
    keys = state.keys.setdefault(name, {})
    uses_ids = section.identity == "id"
    fold = (lambda s: s.casefold()) if section.identity == "name" else (lambda s: s)

    # Deletions: an item written last time and now missing was deleted by the
    # editor; an id the editor removed from deleted: comes back.
    if handed_back:
        tombstones: dict[str, str] = {}
        owned_map.clear()
    else:
        listed = ours_doc.get("deleted", {}).get(name, []) if "deleted" in ours_doc else []
        tombstones = {fold(x): x for x in listed}
    present = [identity(section, i) for i in ours_items]
    if not handed_back:
        known_machine = set(keys.values())
        for ident, item in written_items.items():
            if ident not in present and ident not in tombstones and ident in known_machine:
                tombstones[ident] = item.get(section.identity, ident)
    for ident in present:
        if ident is not None:
            tombstones.pop(ident, None)

    taken: set[str] = set()
    if uses_ids:
        taken = set(keys.values()) | {i for i in present if i} | set(tombstones) | set(written_items)
        _bump(state, section, sorted(taken))
    machine: dict[str, dict] = {}
    machine_order: list[str] = []
    for entry in theirs:
        if uses_ids:
            ident = keys.get(entry.key)
            if ident is None:
                ident = _allocate(state, section, taken)
                keys[entry.key] = ident
            fields = dict(entry.fields, id=ident)
        else:
            ident = fold(entry.key)
            keys[ident] = ident
            fields = dict(entry.fields)
        if ident in machine:
            continue
        machine[ident] = fields
        machine_order.append(ident)
    machine_ids = set(keys.values())

    result: list[dict] = []
    edits = 0
    seen: set[str] = set()
    for item in ours_items:
        ident = identity(section, item)
        if ident is None:  # an item the editor added without an id
            if not uses_ids:
                continue
            ident = _allocate(state, section, taken)
            item = dict(item, id=ident)
        if ident in seen:
            continue
        seen.add(ident)
        written = written_items.get(ident)
        theirs_item = machine.get(ident)
        owned = set(owned_map.get(ident, []))
        if theirs_item is not None:
            if item.get("checked") is True:
                merged = {f: item[f] if f in item else theirs_item.get(f, DEFAULTS.get(f))
                          for f in section.fields}
                for f in section.fields:
                    if f in item and item[f] != theirs_item.get(f, DEFAULTS.get(f)):
                        owned.add(f)
            else:
                merged = {f: merge_value(f, item, written, theirs_item.get(f, DEFAULTS.get(f)), owned)
                          for f in section.fields}
        elif ident in machine_ids:
            # The machine no longer produces this item: keep it only if the editor touched it.
            for f in section.fields:
                if f in item and written is not None and f in written and item[f] != written[f]:
                    owned.add(f)
            if not owned and item.get("checked") is not True:
                owned_map.pop(ident, None)
                continue
            merged = {f: item[f] if f in item else (written or {}).get(f, DEFAULTS.get(f))
                      for f in section.fields}
        else:  # the editor's own item
            merged = _editor_item(section, item)
            owned = set()
            edits += 1
        owned.discard(section.identity)
        if owned:
            owned_map[ident] = sorted(owned)
            edits += 1
        else:
            owned_map.pop(ident, None)
        result.append(merged)
    for ident in machine_order:
        if ident in seen or ident in tombstones:
            continue
        owned_map.pop(ident, None)
        result.append({f: machine[ident].get(f, DEFAULTS.get(f)) for f in section.fields})
    for ident in [i for i in owned_map if i not in seen]:
        del owned_map[ident]
    deleted = sorted(tombstones.values(), key=natural_key)
    return SectionResult(result, deleted, edits + len(deleted))


def _editor_item(section: Section, item: dict) -> dict:
    merged = {}
    for f in section.fields:
        if f in item:
            merged[f] = item[f]
        elif f == "kind" and section.name in ENTITY_KIND_DEFAULT:
            merged[f] = ENTITY_KIND_DEFAULT[section.name]
        else:
            merged[f] = DEFAULTS.get(f)
    return merged
