"""Numbers as news text writes them: digits, number words, and "a man" as one.

The regular expressions here are shared by the figure rules; ``parse_number``
turns a matched phrase into an integer.
"""

from __future__ import annotations

import re

UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# Words that stand for exactly one person in "a man was killed", "killing one".
SINGULAR = {"a": 1, "an": 1, "one": 1, "another": 1, "a second": 1, "a third": 1}


def factored(words: list[str]) -> str:
    """An alternation of literal words, factored on shared leading letters.

    The regex engine tries every branch of a flat alternation at each position;
    factored, it compares one letter per branch level. Words that share a prefix
    keep their order and words that differ in a letter cannot both match, so the
    pattern matches exactly what the flat one does.
    """
    branches: dict[str, list[str]] = {}
    for word in words:
        branches.setdefault(word[:1], []).append(word[1:])
    parts = []
    for first, rests in branches.items():
        if not first:
            parts.append("")  # the word ended here: an empty branch, in its place
        elif len(rests) == 1:
            parts.append(re.escape(first + rests[0]))
        else:
            parts.append(f"{re.escape(first)}(?:{factored(rests)})")
    return "|".join(parts)


# factored: number words are tried at every word of every sentence the rules scan
_UNIT_WORDS = factored(sorted(UNITS, key=len, reverse=True))
_TEN_WORDS = factored(list(TENS))
_WORD_BASE = rf"(?:(?:{_TEN_WORDS})(?:\s?-\s?(?:{_UNIT_WORDS}))?|{_UNIT_WORDS})"
_WORD_NUMBER = (
    rf"(?:{_WORD_BASE}(?:\s+(?:hundred|thousand|million))?"
    rf"(?:\s+(?:and\s+)?{_WORD_BASE})?|(?:a|one)\s+(?:hundred|thousand))"
)
# "1,200", "230, 000" (tokenized), "12", "2.5 million"
_DIGIT_NUMBER = r"(?:\d{1,3}(?:,\s?\d{3})+|\d+(?:\.\d+)?(?=\s+million)|\d+)(?:\s+(?:million|thousand))?"

#: A cardinal number, in digits or words (case-insensitive use expected).
NUMBER = rf"(?:{_DIGIT_NUMBER}|{_WORD_NUMBER})"
#: Lookahead for the first character of a NUMBER: put before a pattern that starts
#: with one, it lets the engine skip other positions cheaply.
NUMBER_START = "(?=[\\d" + "".join(sorted({w[0] for w in [*UNITS, *TENS, "a"]})) + "])"

#: Hedges that qualify a count; kept as the figure's qualifier.
_QUALIFIERS = (
    "at least", "more than", "no fewer than", "not less than", "over", "nearly", "almost",
    "about", "around", "roughly", "approximately", "some", "up to", "as many as", "an estimated",
    "well over", "upwards of", "close to", "at most", "fewer than", "less than", "above",
    "another", "a further", "an additional",
)
# factored like the number words (no hedge is a prefix of another, so the order is free);
# a space in a hedge matches any run of whitespace
QUALIFIER = "(?:" + factored(list(_QUALIFIERS)).replace(re.escape(" "), r"\s+") + ")"

_QUALIFIER_LABELS = {
    "over": "more than", "above": "more than", "well over": "more than",
    "upwards of": "more than", "nearly": "about", "almost": "about", "around": "about",
    "roughly": "about", "approximately": "about", "some": "about", "an estimated": "about",
    "close to": "about", "as many as": "up to", "no fewer than": "at least",
    "not less than": "at least", "another": "another", "a further": "another",
    "an additional": "another", "fewer than": "less than",
}


def qualifier_label(text: str | None) -> str | None:
    """Normalise a hedge ("around" -> "about"); None when there is none."""
    if not text:
        return None
    words = " ".join(text.lower().split())
    return _QUALIFIER_LABELS.get(words, words)


def _word_value(words: str) -> int | None:
    total = 0
    current = 0
    seen = False
    for token in re.split(r"[\s-]+", words.lower()):
        if not token or token == "and":
            continue
        if token in UNITS:
            current += UNITS[token]
        elif token in TENS:
            current += TENS[token]
        elif token in SCALES:
            current = max(current, 1) * SCALES[token]
            if SCALES[token] >= 1000:
                total += current
                current = 0
        elif token in ("a",):
            current += 1
        else:
            return None
        seen = True
    return total + current if seen else None


# Longer digit strings are ids, phone numbers or garbage; refusing them also keeps
# hostile text from producing huge integers.
_MAX_DIGITS = 9


def parse_number(text: str) -> int | None:
    """The integer a number phrase stands for, or None when it is not one.

    >>> parse_number("Twenty-seven"), parse_number("230, 000"), parse_number("2 million")
    (27, 230000, 2000000)
    """
    phrase = " ".join(text.split()).strip().lower()
    if not phrase:
        return None
    if phrase in SINGULAR:
        return SINGULAR[phrase]
    match = re.fullmatch(r"(\d{1,3}(?:,\s?\d{3})+|\d+)(?:\.(\d+))?(?:\s+(million|thousand))?", phrase)
    if match:
        whole = re.sub(r"[,\s]", "", match.group(1))
        fraction = (match.group(2) or "").rstrip("0")
        if len(whole) + len(fraction) > _MAX_DIGITS:
            return None  # a serial number or garbage, never a count of people
        scale = SCALES[match.group(3)] if match.group(3) else 1
        # exact integer arithmetic: "2.5 million" is 25 * 1,000,000 / 10
        numerator = int(whole + fraction) * scale
        denominator = 10 ** len(fraction)
        if numerator % denominator or numerator // denominator >= 10**_MAX_DIGITS:
            return None
        return numerator // denominator
    return _word_value(phrase)


_UNIT_NAMES = {v: k for k, v in UNITS.items()} | {0: "zero"}
_TENS_NAMES = {v: k for k, v in TENS.items()}


def number_words(value: int) -> str | None:
    """English words for 0..999,999 ("twenty-seven", "one hundred and five")."""
    names, tens_names = _UNIT_NAMES, _TENS_NAMES
    if value < 0 or value >= 1_000_000:
        return None
    if value < 20:
        return names[value]
    if value < 100:
        tens, unit = divmod(value, 10)
        return tens_names[tens * 10] + (f"-{names[unit]}" if unit else "")
    if value < 1000:
        hundreds, rest = divmod(value, 100)
        return f"{names[hundreds]} hundred" + (f" and {number_words(rest)}" if rest else "")
    thousands, rest = divmod(value, 1000)
    return f"{number_words(thousands)} thousand" + (f" {number_words(rest)}" if rest else "")


def states_value(text: str, value: int) -> bool:
    """Does ``text`` visibly write ``value``: digits ("1,200", "230, 000"), words, or "a"/"an" for one?

    A figure is only published when its quote passes this check, so a reader can
    always find the number in the sentence cited for it.
    """
    if value == 1 and re.search(r"\b(?:a|an)\b", text, re.IGNORECASE):
        return True
    forms = sorted({str(value), f"{value:,}", f"{value:,}".replace(",", ", ")}, key=len, reverse=True)
    digits = "|".join(re.escape(form) for form in forms)
    if re.search(rf"(?<![\d.,:])(?:{digits})(?![\d:]|[.,]\d)", text):
        return True
    words = number_words(value)
    if words is None:
        return False
    spelled = r"[\s-]+".join(re.escape(part) for part in re.split(r"[\s-]+", words))
    return re.search(rf"(?<![a-z]){spelled}(?![a-z])", text, re.IGNORECASE) is not None
