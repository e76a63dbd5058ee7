"""Attributed claims: who said what, quoted verbatim.

A claim is a sentence with a speech verb and a speaker ("the ministry said its
troops destroyed ..."). The speaker is normalised for display; the claim's
``what`` is the reported clause with quotes and tokenization undone.
"""

from __future__ import annotations

import re

from ..models import Article, Claim
from .attribution import SPEECH_VERBS, find_reporter, is_pronoun
from .sentences import Sentence

_TITLES = (r"spokes(?:man|woman|person)|minister|president|commander|chief|director|official|"
           r"secretary|ambassador|envoy|general|prime minister|governor|mayor|sheriff|officer|lawyer")
# what follows "X said" when the content came before it: ", bringing ...", "in a statement"
_NOT_A_CLAUSE = re.compile(
    r"[,;:.]|(?:in|on|at|late|early|during|after|before|earlier|later|yesterday|today|tonight|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\w+ing)\b", re.IGNORECASE)
# The lookaheads list the letters a match can start with: a cheap test that lets the
# engine skip most positions before trying the alternatives.
_CLAIM_VERBS = re.compile(rf"(?=[acdeinrstw])\b(?:{SPEECH_VERBS}|according to)\b")


# compiled once: claims and speakers are cleaned for every attributed sentence
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s\b")
_WHO_TAIL = re.compile(r"\s+in a statement$|\s+on \w+$")
_TITLED = re.compile(rf"(?P<title>.*\b(?:{_TITLES}))\s+(?P<name>(?:[A-Z][\w'’-]+\s*){{2,3}})$")
_SPACE_BEFORE = re.compile(r"\s+(?=[,.;:!?’”])")
_SPACE_AFTER = re.compile(r"([“‘])\s+")
_SPACED_NOT = re.compile(r"\s+n't")
_SPEECH_AFTER = re.compile(rf"\s*(?:also\s+|had\s+|has\s+)?(?:{SPEECH_VERBS})\b(?:\s+that)?\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_SPEECH_BEFORE = re.compile(r"(?:,|\s)\s*(?:(?:said|says|according to|told)\s*)?$")
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{2,40}:\s*")


def normalize_who(who: str) -> str:
    """Display form of a speaker: no leading article or possessive, title after the name.

    "said Armenian Defense Ministry spokesman Artsrun Hovhannisyan" ->
    "Artsrun Hovhannisyan, Armenian Defense Ministry spokesman".
    """
    who = _ARTICLE.sub("", who.strip(" ,.;:\"'“”‘’`"))
    who = _POSSESSIVE.sub("", who)
    who = _WHO_TAIL.sub("", who)
    titled = _TITLED.match(who)
    if titled:
        who = f"{titled.group('name').strip()}, {titled.group('title').strip()}"
    return who[:1].upper() + who[1:] if who else who


def _clean(text: str) -> str:
    text = text.replace("``", "“").replace("''", "”")
    text = _SPACE_BEFORE.sub("", text)
    if "“" in text or "‘" in text:  # each substitution needs its literal: skip it when absent
        text = _SPACE_AFTER.sub(r"\1", text)
    if "n't" in text:
        text = _SPACED_NOT.sub("n't", text)
    return " ".join(text.split()).strip(" ,;:")


def _what(sentence: str, who: str) -> str:
    """The reported content: the clause after "X said (that)" or before ", X said"."""
    position = sentence.find(who)
    if position < 0:
        return _clean(sentence)
    after = sentence[position + len(who):]
    verb = _SPEECH_AFTER.match(after)
    clause_follows = verb and not _NOT_A_CLAUSE.match(after[verb.end():])
    if clause_follows and len(after[verb.end():].strip(" .")) > 15:
        rest = _SENTENCE_END.split(after[verb.end():])[0]
        return _clean(rest.rstrip("."))
    before = sentence[:position]
    before = _SPEECH_BEFORE.sub("", before)
    before = _DATELINE.sub("", before)
    return _clean(before.rstrip(" ,").rstrip("."))


# "Azerbaijan has not yet released information on military casualties": the report's
# own statement that something is missing matters as much as what sources say.
_UNDISCLOSED = re.compile(
    r"(?=h)\b(?:has|have|had)\s+(?:not\s+(?:yet\s+)?|yet\s+to\s+)(?:released?|disclosed?|published|publish|"
    r"confirmed|confirm|given|give|provided|provide|commented|comment|revealed|reveal)\b",
    re.IGNORECASE,
)
UNATTRIBUTED = "Unattributed"
_ACCUSATION = re.compile(r"\s+(?:has\s+|had\s+)?(accused|accuses|denied|denies)\b")


def extract_claims(article: Article, sentences: list[Sentence]) -> list[Claim]:
    """Attributed statements of one article, in text order.

    Sentences in which the report itself notes that a party withholds
    information are kept too, with ``who`` set to "Unattributed".
    """
    from .figures import content_key

    claims: list[Claim] = []
    last_named: str | None = None
    for sentence in sentences:
        if not _CLAIM_VERBS.search(sentence.text):
            if _UNDISCLOSED.search(sentence.text):
                claims.append(Claim(who=UNATTRIBUTED, what=_clean(sentence.text.rstrip(".")), article=article.id,
                                    quote=sentence.text, key=content_key(article.id, "claim", sentence.text)))
            continue
        who = find_reporter(sentence.text)
        if not who:
            continue
        shown = who
        if is_pronoun(who):
            if not last_named:
                continue
            shown = last_named
        else:
            last_named = who
        what = _what(sentence.text, who)
        position = sentence.text.find(who)
        accusation = _ACCUSATION.match(sentence.text, position + len(who)) if position >= 0 else None
        if accusation:
            what = f"{accusation.group(1)} {what}"
        if len(what) < 12:
            continue
        claims.append(
            Claim(
                who=normalize_who(shown),
                what=what,
                article=article.id,
                quote=sentence.text,
                key=content_key(article.id, "claim", sentence.text),
            )
        )
    return claims
