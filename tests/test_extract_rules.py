"""Casualty patterns: which numbers in one sentence are counts of people, and of what kind."""

from __future__ import annotations

import random
import re

import pytest

from briefgen.extract import rules
from briefgen.extract.rules import find_matches


def pairs(sentence: str) -> set[tuple[str, int]]:
    return {(m.kind, m.value) for m in find_matches(sentence)}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Twelve people were killed and 20 were wounded.", {("killed", 12), ("injured", 20)}),
        ("Twenty-seven separatist fighters died in clashes on Monday.", {("killed", 27)}),
        ("The blast killed at least 12 people.", {("killed", 12)}),
        ("A woman was killed by a stray bullet.", {("killed", 1)}),
        ("The quake left four people dead and 70 others injured.", {("killed", 4), ("injured", 70)}),
        ("24 dead, over 200 injured.", {("killed", 24), ("injured", 200)}),
        ("The total death toll rose to 67 including nine civilian deaths.", {("killed", 67), ("killed", 9)}),
        ("It has previously put the number of deaths at 28.", {("killed", 28)}),
        ("The dead included seven children, three women and two men.",
         {("killed", 7), ("killed", 3), ("killed", 2)}),
        ("Police arrested 46 people after the riot.", {("arrested", 46)}),
        ("Two climbers are missing.", {("missing", 2)}),
        ("More than 15,000 people were displaced.", {("displaced", 15000)}),
        ("55 wounded, 15 critically.", {("injured", 55), ("injured", 15)}),
        ("A 59 - year - old grandmother was hit and killed.", {("killed", 1)}),
    ],
)
def test_casualty_counts_are_found(sentence: str, expected: set[tuple[str, int]]) -> None:
    assert pairs(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The magnitude 6.1 quake destroyed 300 houses.",
        "Turnout was 90 per cent and 2.5 million voters took part.",
        "100% Font Size",
        "The war cost $30 million over 12 years.",
        "No one was injured.",
        "The gunman could have killed 20 people.",
        "Two officers fatally shot the teenager.",  # the officers did the shooting
        "Drake shot 35.",  # basketball
        "The moves brought to 12 the number of Rams players on injured reserve.",
    ],
)
def test_numbers_that_are_not_casualty_counts_are_ignored(sentence: str) -> None:
    assert pairs(sentence) == set()


def test_ages_and_years_are_not_counts_but_the_person_is() -> None:
    assert pairs("A 25-year-old man was arrested in 1994.") == {("arrested", 1)}


def test_verdict_story_victim_is_not_a_new_casualty() -> None:
    assert pairs("He was found guilty of killing a woman in 2012.") == set()
    assert pairs("He was convicted of killing four people.") == {("killed", 4)}


def test_qualifier_and_toll_are_kept() -> None:
    (match,) = find_matches("The military death toll rose to at least 58.")
    assert match.qualifier == "at least"
    assert match.toll and "toll" in match.toll.lower()


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A man was shot and killed Tuesday.", {("killed", 1)}),
        ("TRENTON - One man was killed and four others were wounded.", {("killed", 1), ("injured", 4)}),
        ("A 17-year-old girl was accidentally shot in the leg late Saturday.", {("injured", 1)}),
        ("A 9-month-old was injured in a shooting.", {("injured", 1)}),
        ("A 1-year-old baby is recovering after being shot Sunday night.", {("injured", 1)}),
        ("A 13-year-old suffered a self-inflicted gunshot wound to the hand.", {("injured", 1)}),
        ("Police search for the suspect who fatally shot a 15-year-old girl.", {("killed", 1)}),
        ("A four-year-old boy fatally shot himself at home.", {("killed", 1)}),
        ("A man was shot several times and died at a hospital.", {("killed", 1)}),
        ("A teenage boy shot in the head near the campus died Friday.", {("killed", 1)}),
        ("One female is dead and another is in critical condition.", {("killed", 1), ("injured", 1)}),
        ("Three people were shot, one fatally, on Sunday.", {("killed", 1)}),
    ],
)
def test_local_news_phrasings_of_one_shooting(sentence: str, expected: set) -> None:
    assert pairs(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The two adults in the car were not injured.",
        "Police said two of the four shooting victims had died.",  # the four are not all dead
        "He told WAVE 3 News the man was in surgery.",
        "He was aiming to kill four people.",
        "A 26 yr old man was taken to the hospital.",
    ],
)
def test_counts_that_are_denied_partitive_or_not_people_are_ignored(sentence: str) -> None:
    assert not any(value > 1 for _, value in pairs(sentence))


def test_children_included_in_the_wounded_are_not_counted_as_dead() -> None:
    found = pairs("A man died and three others - including two children - were wounded.")
    assert ("killed", 2) not in found and ("killed", 1) in found


# The shortcuts in the casualty rules give exactly what the plain patterns give.
_WORDS = ["one", "seventeen", "teen", "xteen", "bone", "tens", "ten", "3", " ", "-", "a", "he", "she", "the",
          "his", "her", "their", "left", "leave", "lost", "of", "off", "_", "é", "ſ", "ı", "İ"]


def _texts(seed: int, count: int = 3000) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(_WORDS) + rnd.choice(["", " ", ","]) for _ in range(rnd.randint(1, 8)))
            for _ in range(count)]


def test_has_count_matches_plain_pattern():
    plain = re.compile(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|"
        r"fifty|sixty|seventy|eighty|ninety|hundred|thousand|million)\b")
    for text in _texts(1):
        assert rules._has_count(text) == (plain.search(text) is not None), text


def test_word_start_hints_match_plain_patterns():
    plain = {"pronoun-subject": r"\b(?:he|she)\b", "object-definite": r"\b(?:his|her|their)\b",
             "left": r"\blea?v|\bleft\b", "lost": r"\blos[te]", "nominal": r"\bof\b"}
    for text in _texts(2):
        for name, pattern in plain.items():
            assert rules._RULE_HINTS[name].search(text) == (re.search(pattern, text) is not None), (name, text)


def test_masks_applied_one_by_one_match_their_alternation():
    fragments = ["25-year-old", "3 years old", "aged 5 to 7", "mother of three", "$5 million", "12%", "10:30 p.m.",
                 "1994", "2 of 3", "WAVE 3 News", "No. 5", "3rd", "May 4", "4 May", "five", "killed", " ", ", "]
    rnd = random.Random(3)
    subsets = [rules._MASKS] + [[mask for mask in rules._MASKS if rnd.random() < 0.5] for _ in range(4)]
    for chosen in subsets:
        alternation = re.compile("|".join(
            f"(?i:{p.pattern})" if p.flags & re.IGNORECASE else f"(?:{p.pattern})" for p in chosen))
        for _ in range(300):
            text = "".join(rnd.choice(fragments) for _ in range(rnd.randint(1, 10)))
            hide = lambda m: "<" + m.group() + ">"  # noqa: E731
            assert rules._apply_masks(chosen, text, hide) == alternation.sub(hide, text), text


def test_idioms_are_masked_whatever_their_case():
    # "İ" matches "i" when case is ignored but lower-cases to two characters
    for text in ("Injured reserve for 3 players", "İnjured reserve for 3 players", "a DEADLINE of 3 days"):
        assert rules.mask_non_counts(text).startswith(("X" * 15, "a XXXX")), text
