"""Sentence splitting that keeps exact offsets.

Every quote the extractor publishes must be a verbatim substring of its article,
so sentences are returned as spans of the original text, never rebuilt strings.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "cpl", "maj", "adm", "rep",
        "sen", "gov", "pres", "prof", "rev", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "no", "vs", "inc", "co", "corp", "ltd", "jr", "sr", "mt", "ft",
        "ave", "blvd", "approx", "dept", "est", "fig", "gov't", "u.s", "u.n", "u.k", "a.m", "p.m",
        "e.g", "i.e", "etc",
    ]
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, space.
# Both alternatives start with the punctuation mark itself, so the engine can skip
# ahead to the next [.!?] instead of trying every position.
_BOUNDARY = re.compile(
    r"[.!?](?:[.!?]*(?:['\"’”)\]]|'')*\s+(?=[`\"“‘'(\[]*[A-Z0-9])"
    # "in Winchester.Officers were called": scraped pages lose the space between sentences
    r"|(?<=[a-z]{3}\.)(?=[A-Z][a-z]{2}))"
)


@dataclass(frozen=True)
class Sentence:
    """A sentence of one article: its text and where it sits in the article."""

    text: str  # exactly article_text[start:end]
    start: int
    end: int
    paragraph: int  # index of the paragraph (blank-line or line separated block)
    index: int  # position of the sentence in the article


_LAST_WORD = re.compile(r"([A-Za-z.]+)\.\s*$")
_INITIALS = re.compile(r"[A-Za-z](?:\.[A-Za-z])*")
_LINE = re.compile(r"[^\n]+")


_WORD_CHARS = string.ascii_letters + "."


def _last_word(chunk: str) -> str | None:
    """What ``_LAST_WORD`` captures in ``chunk``: the run of letters and dots before
    a final full stop. Found by stripping from the end, not by searching from the start."""
    text = chunk.rstrip()  # the same characters as \s
    if not text.endswith("."):
        return None
    head = text[:-1]
    word = head[len(head.rstrip(_WORD_CHARS)):]
    return word or None


def _ends_with_abbreviation(chunk: str) -> bool:
    """True when the text before a full stop is an abbreviation or an initial."""
    found = _last_word(chunk.rstrip("'\"’”)]"))
    if found is None:
        return False
    word = found.lower().strip(".")
    if word in _ABBREVIATIONS:
        return True
    # single capital initials ("J. Smith") and dotted acronyms ("U.S.")
    return bool(_INITIALS.fullmatch(found.strip(".")))


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for boundary in _BOUNDARY.finditer(text, start, end):
        piece_end = boundary.end()
        candidate = text[cursor:piece_end].rstrip()
        if _ends_with_abbreviation(text[cursor : boundary.start() + 1]):
            continue
        if len(candidate) < 2:
            continue
        spans.append((cursor, cursor + len(candidate)))
        cursor = piece_end
    if cursor < end:
        spans.append((cursor, end))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """Split an article body into sentences with exact offsets.

    Lines are hard boundaries (tokenized corpora put one sentence per line and
    cleaned web pages put one paragraph per line); inside a line, terminal
    punctuation followed by a capital starts a new sentence.
    """
    sentences: list[Sentence] = []
    paragraph = 0
    previous_blank = False
    for line in _LINE.finditer(text):
        raw_start, raw_end = line.span()
        gap = text[max(0, raw_start - 2) : raw_start]
        if sentences and (gap == "\n\n" or previous_blank):
            paragraph += 1
        previous_blank = False
        stripped = line.group()
        if not stripped.strip():
            previous_blank = True
            continue
        lead = len(stripped) - len(stripped.lstrip())
        trail = len(stripped) - len(stripped.rstrip())
        start, end = raw_start + lead, raw_end - trail
        for s_start, s_end in _split_line(text, start, end):
            chunk = text[s_start:s_end]
            offset = len(chunk) - len(chunk.lstrip())
            s_start += offset
            if s_start >= s_end:
                continue
            sentences.append(
                Sentence(text[s_start:s_end], s_start, s_end, paragraph, len(sentences))
            )
    return sentences
