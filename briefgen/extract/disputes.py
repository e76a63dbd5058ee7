"""Disputes: the same figure reported with different values.

Figures are comparable when they count the same thing: same kind, the same
group family (soldiers/servicemen/fighters are all "military"; people, total and
an unnamed group are all "everyone"), and the same span (a running toll, or
the same named period; a count with no period is read as the event's total and
compared with running tolls).

Within comparable figures, each reporter is reduced to a party key
(attribution.party_key); see ``_assign_parties`` for reporters that are only
weakly identified ("the rebels") or not named at all. A
party that gives more than one value has a **revision** (oldest first: by the
article's date, and for undated reports by value, as a running toll only grows).
Parties whose latest values differ are in **conflict**. Every figure of a
disputed set is listed: no value is dropped.
"""

from __future__ import annotations

import re

from ..models import Dispute, Figure
from .attribution import party_key

_MILITARY = re.compile(r"military|soldier|servicem|troop|fighter|militant|rebel|separatist|army|combatant|"
                       r"insurgent|gunmen|marine")
_EVERYONE = frozenset({"", "people", "persons", "total", "all", "overall", "victims", "others"})


def group_family(group: str | None) -> str:
    """Coarse family of a group label, so differently worded groups compare."""
    label = (group or "").lower().strip()
    label = re.sub(r"\s*\(.*\)$", "", label)
    if label in _EVERYONE or label.startswith("total"):
        return "everyone"
    if _MILITARY.search(label):
        return "military"
    if "civilian" in label:
        return "civilians"
    if re.search(r"police|officer|cop", label):
        return "police"
    if re.search(r"child|kid|boy|girl|baby|infant", label):
        return "children"
    return label


def _span(figure: Figure) -> str:
    if figure.cumulative or not figure.period:
        return "overall"
    return " ".join(figure.period.lower().split())


def _ident(figure: Figure) -> str:
    return figure.id or figure.key


def _order(figures: list[Figure], published: dict[str, str | None]) -> list[Figure]:
    """Oldest first: dated reports by date; undated by value (tolls grow), then id."""
    return sorted(
        figures,
        key=lambda f: (published.get(f.article) or f.date or "", f.value, f.article, _ident(f)),
    )


def find_disputes(figures: list[Figure], published: dict[str, str | None]) -> list[Dispute]:
    """Revisions and conflicts among figures (ids are public ids when set, else keys)."""
    buckets: dict[tuple[str, str, str], list[Figure]] = {}
    for figure in figures:
        buckets.setdefault((figure.kind, group_family(figure.group), _span(figure)), []).append(figure)
    disputes: list[Dispute] = []
    for (kind, family, span), members in sorted(buckets.items()):
        if len({f.value for f in members}) < 2 or len({f.article for f in members}) < 2:
            continue
        parties = _assign_parties(members)
        what = f"{kind} ({family}, {span})"
        latest: list[tuple[str, Figure]] = []
        for party, party_figures in sorted(parties.items()):
            ordered = _order(party_figures, published)
            latest.append((party, ordered[-1]))
            if len({f.value for f in ordered}) > 1:
                values = " -> ".join(str(v) for v in _distinct_in_order(ordered))
                disputes.append(Dispute(type="revision", figures=[_ident(f) for f in ordered],
                                        note=f"{what} updated by {party}: {values}"))
        if len({f.value for _, f in latest}) > 1:
            shown = ", ".join(f"{party}: {f.value}" for party, f in latest)
            disputes.append(Dispute(type="conflict", figures=[_ident(f) for _, f in latest],
                                    note=f"{what} differs between reporters ({shown})"))
    return disputes


def _assign_parties(members: list[Figure]) -> dict[str, list[Figure]]:
    """Group figures by the party that reported them.

    Strong keys (a named side, an independent body) stand on their own. When
    exactly one strong party is present, weakly identified and unattributed
    figures are read as that party's (the reports name the same source
    differently). Otherwise weak keys stand on their own and an unattributed
    figure joins the party that gave the same value, else "unattributed".
    """
    strong: dict[str, list[Figure]] = {}
    weak: dict[str, list[Figure]] = {}
    unknown: list[Figure] = []
    for figure in members:
        key, certain = party_key(figure.reported_by)
        if key and certain:
            strong.setdefault(key, []).append(figure)
        elif key:
            weak.setdefault(key, []).append(figure)
        else:
            unknown.append(figure)
    if len(strong) == 1:
        only = next(iter(strong.values()))
        for figures in weak.values():
            only.extend(figures)
        only.extend(unknown)
        return strong
    parties = {**strong, **{k: v for k, v in weak.items() if k not in strong}}
    for key, figures in weak.items():
        if key in strong:
            strong[key].extend(figures)
    if len(parties) == 1:
        next(iter(parties.values())).extend(unknown)
        return parties
    for figure in unknown:
        agreeing = sorted(k for k, fs in parties.items() if any(f.value == figure.value for f in fs))
        parties.setdefault(agreeing[0] if agreeing else "unattributed", []).append(figure)
    return parties


def _distinct_in_order(figures: list[Figure]) -> list[int]:
    values: list[int] = []
    for figure in figures:
        if not values or values[-1] != figure.value:
            values.append(figure.value)
    return values
