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

from .briefing_schema import (
    DEFAULTS,
    ENTITY_KIND_DEFAULT,
    SECTIONS,
    Section,
    natural_key,
)


def content_key(section: str, item: dict) -> str:
    """A stable identity for a machine item that came without one."""
    body = json.dumps({k: v for k, v in item.items() if k not in ("id", "checked")},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha1(f"{section}|{body}".encode()).hexdigest()[:10]


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
    gone: dict[str, dict[str, str]] = field(default_factory=dict)  # section: {deleted id: its source}
    _inverse: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_record(cls, record: dict | None) -> MergeState:
        if not record:
            return cls()
        owned = {name: list(value) if isinstance(value, list) else
                 {ident: list(fields) for ident, fields in value.items()}
                 for name, value in record.get("owned", {}).items()}
        return cls(owned=owned,
                   keys={k: dict(v) for k, v in record.get("keys", {}).items()},
                   next=dict(record.get("next", {})),
                   refs=dict(record.get("refs", {})),
                   gone={k: dict(v) for k, v in record.get("gone", {}).items()})

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
        gone = {name: dict(sorted(self.gone[name].items(), key=lambda kv: natural_key(kv[0])))
                for name in sorted(self.gone) if self.gone[name]}
        return {"owned": owned, "keys": keys, "next": dict(sorted(self.next.items())),
                "refs": dict(sorted(self.refs.items())), "gone": gone}

    def key_of(self, section: str, ident: str) -> str | None:
        """The content key the machine knows an item by, or None for an editor's item."""
        inverse = self._inverse.get(section)
        if inverse is None or len(inverse) != len(self.keys.get(section, {})):
            inverse = {v: k for k, v in sorted(self.keys.get(section, {}).items(), reverse=True)}
            self._inverse[section] = inverse
        return inverse.get(ident)

    def machine_ids(self, section: str) -> set[str]:
        return set(self.keys.get(section, {}).values())

    def is_machine(self, section: str, ident: str) -> bool:
        return self.key_of(section, ident) is not None


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
class Incoming:
    """An item the editor touched in another briefing, following its article here."""

    key: str | None  # the machine's content key; None for an item the editor wrote
    item: dict  # as the editor has it
    written: dict | None  # as briefgen last wrote it there
    owned: set[str]  # fields the editor took over


@dataclass
class SectionResult:
    items: list[dict]
    deleted: list[str]
    edits_kept: int = 0


def merge_section(section: Section, ours_doc: dict | None, written_doc: dict,
                  theirs: list[MachineItem], state: MergeState,
                  incoming: list[Incoming] = (), incoming_deleted: list[str] = (),
                  moved_out: set[str] = frozenset()) -> SectionResult:
    """Merge one list (figures, sources, actors, ...) of a briefing.

    ``ours_doc`` is None when the editor's file is missing (the whole briefing is
    handed back); a missing section key hands that section back. ``incoming``
    items and ``incoming_deleted`` content keys arrive from other briefings with
    their articles; ``moved_out`` identities left this one the same way.
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
    gone = state.gone.setdefault(name, {})
    if not handed_back:
        known_machine = set(keys.values())
        for ident, item in written_items.items():
            if ident not in present and ident not in tombstones and ident in known_machine \
                    and ident not in moved_out:
                tombstones[ident] = item.get(section.identity, ident)
                gone[ident] = item.get("source") or ""
    ours_items = [i for i in ours_items if identity(section, i) not in moved_out]
    for ident in present:
        if ident is not None:
            tombstones.pop(ident, None)
    for ident in [i for i in gone if i not in tombstones]:
        del gone[ident]

    taken: set[str] = set()
    if uses_ids:
        taken = set(keys.values()) | {i for i in present if i} | set(tombstones) | set(written_items)
        _bump(state, section, sorted(taken))
    # Items and deletions arriving with articles from other briefings.
    written_items = dict(written_items)
    here = {i for i in present if i is not None} | set(tombstones)
    for arrival in incoming:
        if uses_ids:
            ident = keys.get(arrival.key) if arrival.key else None
            if ident is None:
                ident = _allocate(state, section, taken)
                if arrival.key:
                    keys[arrival.key] = ident
        else:
            ident = fold(arrival.item[section.identity])
            if arrival.key:
                keys[ident] = ident
        if ident in here:
            continue
        here.add(ident)
        entry = dict(arrival.item)
        if uses_ids:
            entry["id"] = ident
        ours_items = list(ours_items) + [entry]
        if arrival.written is not None:
            written_items[ident] = dict(arrival.written, **({"id": ident} if uses_ids else {}))
        if arrival.owned:
            owned_map[ident] = sorted(arrival.owned)
    for key in incoming_deleted:
        ident = keys.get(key)
        if ident is None:
            if not uses_ids:
                continue
            ident = _allocate(state, section, taken)
            keys[key] = ident
        if ident not in here:
            tombstones[ident] = ident
            here.add(ident)
    # An item the machine would write word for word but does not know (its record
    # was lost, or the editor pasted it) is adopted rather than duplicated.
    if uses_ids:
        keys.update(_adopt(section, ours_items, theirs, keys, tombstones))
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
                # checked: the editor vouches for the item as it stands; only the
                # fields they changed themselves become theirs for later.
                merged = {f: item[f] if f in item else theirs_item.get(f, DEFAULTS.get(f))
                          for f in section.fields}
                for f in section.fields:
                    base = written.get(f) if written is not None and f in written else \
                        theirs_item.get(f, DEFAULTS.get(f))
                    if f in item and f != "checked" and item[f] != base:
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


#: Fields that still identify an item after an editor changed its other fields.
LOOSE_IDENTITY = {"figures": ("kind", "source", "quote"), "claims": ("who", "source", "quote"),
                  "timeline": ("source", "quote")}


def _signature(item: dict, fields: tuple[str, ...] | None = None) -> str:
    chosen = {k: v for k, v in item.items() if k not in ("id", "checked")} if fields is None \
        else {k: item.get(k) for k in fields}
    return json.dumps(chosen, sort_keys=True, ensure_ascii=False)


def _adopt(section: Section, ours_items: list[dict], theirs: list[MachineItem],
           keys: dict[str, str], tombstones: dict[str, str]) -> dict[str, str]:
    """Content key -> id for machine items the file already holds under an unknown id.

    First word for word, then (for one-to-one matches only) by the fields an
    edit rarely changes: the same quote from the same source.
    """
    known = set(keys.values())
    unclaimed = [i for i in ours_items if i.get("id") and i["id"] not in known
                 and i["id"] not in tombstones]
    if not unclaimed:
        return {}
    adopted: dict[str, str] = {}
    exact: dict[str, str] = {}
    for entry in unclaimed:
        exact.setdefault(_signature(entry), entry["id"])
    pending = []
    for entry in theirs:
        if entry.key in keys or entry.key in adopted:
            continue
        ident = exact.pop(_signature(entry.fields), None)
        if ident is None:
            pending.append(entry)
        else:
            adopted[entry.key] = ident
    loose = LOOSE_IDENTITY.get(section.name)
    if loose and pending:
        taken = set(adopted.values())
        ours_by: dict[str, list[str]] = {}
        for entry in unclaimed:
            if entry["id"] not in taken:
                ours_by.setdefault(_signature(entry, loose), []).append(entry["id"])
        theirs_by: dict[str, list[str]] = {}
        for entry in pending:
            theirs_by.setdefault(_signature(entry.fields, loose), []).append(entry.key)
        for signature, machine_keys in theirs_by.items():
            candidates = ours_by.get(signature, [])
            if len(machine_keys) == 1 and len(candidates) == 1:
                adopted[machine_keys[0]] = candidates[0]
    return adopted


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
