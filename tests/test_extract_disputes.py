"""Revisions and conflicts among figures that count the same thing."""

from __future__ import annotations

from briefgen.extract.disputes import find_disputes, group_family
from briefgen.models import Figure


def fig(key, value, article, reported_by=None, group="military", cumulative=True, period=None):
    return Figure(kind="killed", value=value, article=article, quote=f"{value}", group=group,
                  cumulative=cumulative, period=period, reported_by=reported_by, key=key)


def test_same_side_updating_a_toll_is_a_revision_oldest_first() -> None:
    figures = [fig("k84", 84, "b", "the rebels' Defense Ministry"),
               fig("k58", 58, "a", "officials in Nagorno-Karabakh")]
    (dispute,) = find_disputes(figures, {"a": None, "b": None})
    assert dispute.type == "revision" and dispute.figures == ["k58", "k84"]


def test_dates_order_a_revision_before_values_do() -> None:
    figures = [fig("k1", 90, "a", "police"), fig("k2", 80, "b", "police")]
    (dispute,) = find_disputes(figures, {"a": "2020-01-01", "b": "2020-01-02"})
    assert dispute.figures == ["k1", "k2"]


def test_different_sides_with_different_values_conflict() -> None:
    figures = [fig("az", 10, "a", "Azerbaijani defense ministry"), fig("am", 40, "b", "Armenian defense ministry")]
    (dispute,) = find_disputes(figures, {})
    assert dispute.type == "conflict" and sorted(dispute.figures) == ["am", "az"]


def test_period_counts_are_not_revisions_of_running_tolls() -> None:
    figures = [fig("toll", 58, "a", "officials in Karabakh"),
               fig("day", 26, "b", "Karabakh defense ministry", cumulative=False, period="late Monday")]
    assert find_disputes(figures, {}) == []


def test_agreeing_values_and_single_reports_are_no_dispute() -> None:
    assert find_disputes([fig("x", 5, "a"), fig("y", 5, "b")], {}) == []
    assert find_disputes([fig("x", 5, "a"), fig("y", 7, "a")], {}) == []


def test_public_ids_are_used_when_set() -> None:
    first, second = fig("k1", 9, "a", group="civilians"), fig("k2", 11, "b", group="civilians")
    first.id, second.id = "f3", "f7"
    (dispute,) = find_disputes([second, first], {})
    assert dispute.figures == ["f3", "f7"]


def test_group_families() -> None:
    assert group_family("military (Karabakh separatist forces)") == "military"
    assert group_family("servicemen") == "military"
    assert group_family("total (military and civilian)") == "everyone"
    assert group_family(None) == group_family("people") == "everyone"
