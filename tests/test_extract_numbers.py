"""Number phrases: digits, tokenized thousands, number words, and the 'states the value' check."""

from __future__ import annotations

import pytest

from briefgen.extract.numbers import (
    number_words,
    parse_number,
    qualifier_label,
    states_value,
)


@pytest.mark.parametrize(
    ("phrase", "value"),
    [
        ("12", 12),
        ("1,200", 1200),
        ("230, 000", 230000),
        ("Twenty-seven", 27),
        ("twenty - six", 26),
        ("nine", 9),
        ("one hundred and five", 105),
        ("2 million", 2_000_000),
        ("a", 1),
        ("another", 1),
    ],
)
def test_parse_number_reads_digits_and_words(phrase: str, value: int) -> None:
    assert parse_number(phrase) == value


def test_parse_number_refuses_what_is_not_a_whole_number() -> None:
    assert parse_number("several") is None
    assert parse_number("4.5") is None
    assert parse_number("") is None


def test_parse_number_refuses_digit_strings_too_long_to_be_a_count() -> None:
    assert parse_number("9" * 400) is None  # once became float('inf') and crashed the build
    assert parse_number("1234567890") is None
    assert parse_number("123456789") == 123456789
    assert parse_number("2.5 million") == 2_500_000
    assert parse_number("1.25 thousand") == 1250


def test_qualifiers_are_normalised() -> None:
    assert qualifier_label("at  least") == "at least"
    assert qualifier_label("around") == "about"
    assert qualifier_label("over") == "more than"
    assert qualifier_label(None) is None


def test_number_words_spell_out_values() -> None:
    assert number_words(27) == "twenty-seven"
    assert number_words(105) == "one hundred and five"
    assert number_words(1_000_000) is None


def test_states_value_finds_the_number_as_written() -> None:
    assert states_value("Twenty-seven servicemen died", 27)
    assert states_value("a tsunami that killed 230, 000 people", 230000)
    assert states_value("rose to 1,200 on Monday", 1200)
    assert states_value("A woman was killed", 1)
    assert not states_value("The boy was pronounced dead", 1)
    assert not states_value("rose to 1,200", 200)
