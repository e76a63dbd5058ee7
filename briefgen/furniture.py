"""Page furniture removal: what a saved page carries that is not the report.

Share buttons, "Read more" lists of other stories' headlines, newsletter and
captcha prompts, copyright lines, bylines and time stamps are recognized by
general rules (the shape of a line, the vocabulary of calls to action) rather
than by a list of known strings, so they also go on sites nobody has seen.
Pure functions: ingest and the importer both use them.
"""

from __future__ import annotations

import re
import unicodedata

#: A paragraph longer than this is cut (at a sentence end when one is near).
MAX_PARAGRAPH_CHARS = 20_000
#: Article text beyond this many characters is left out (the longest report in
#: the sample corpora is 100,000); it bounds every later stage too.
MAX_TEXT_CHARS = 400_000

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_HAS_WORD = re.compile(r"[^\W_]")
_ELLIPSIS_END = re.compile(r"(\.\.\.|…)$")

# Words that make up the labels of a web page's user interface. A short line
# without sentence punctuation made (mostly) of these is a button, a menu or a
# widget heading, not reporting: "Enable Read mode", "100% Font Size",
# "Published: Updated:", "Top Content Trending", "Copy Link Copy".
_UI_WORDS_TEXT = """
about access accept account ad ads advertisement advertising alert alerts also android app apps
archive archives article articles back bookmark breaking button caption captions click close
comment comments contact content continue cookie cookies copy credit decrease default disable
download e-mail edition editor editors email embed enable enlarge error expand facebook feed
feedback follow font full gallery get google home hide icon image images increase
instagram ipad iphone javascript latest like link linkedin links listen live load loading
log login logout main mail menu messenger mode more most new news newsletter newsletters next
notification notifications now off open options page pages pending photo
photos pinterest play popular previous print privacy profile published read reader
recent recommended reddit register related reply report reprint reset reuse rss save search
section see send share shares sharing show sign site size skip slide slideshow sms social
sponsored staff stories story subscribe subscriber subscription summary tap terms text
tips toggle top topics transcript trending tumblr tweet twitter up update updated updates
video videos view viewed views watch weather website whatsapp youtube
scroll typo mobile plus disqus getty shutterstock istock
"""
_UI_WORDS = frozenset(_UI_WORDS_TEXT.split())
#: Words that carry no meaning of their own; a label is judged by its other words.
_FUNCTION_WORDS_TEXT = "a all an and at by for from in is it no of on one or our the this to us via with you your"
_FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())

# Phrases that only a web page's machinery says to its reader: captchas,
# sign-up flows, video players, share widgets, copyright notices, "developing
# story" notes. Each pattern is tried only when its trigger word is in the
# text, which keeps cleaning fast on long articles. Matched per sentence, so a
# paragraph keeps its reporting.
_WEB_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("javascript",), r"enable javascript|javascript (?:is )?(?:disabled|required)|requires javascript"),
    (("please",), r"please (?:sign|log) in"),
    (("browser",), r"\byour browser"),
    (("ad", "adblock", "adblocking", "adblocker", "adblockers"), r"\bad ?block(?:ing|ers?)?\b"),
    (("flash",), r"\bflash (?:player|update)|\byou need flash"),
    (("characters",), r"\byou must enter the characters"),
    (("wanted",), r"\bwanted you to see this"),
    (("sign", "log", "subscribe"),
     (r"\b(?:sign|log) in (?:to|using|with) (?:your|our)\b"
      r"|\b(?:sign up|subscribe) (?:for|to) (?:our|email|e-mail)\b|\b(?:sign up|subscribe) (?:today|now|here)"
      r"|\b(?:sign up|subscribe) (?:for|to) (?:the|a|one of our) [\w -]{0,30}(?:newsletters?|e-?mails?|alerts)")),
    (("already",), r"\balready (?:have an account|a subscriber|a member)|\balready registered\?"),
    (("verification",), r"\bverification (?:e-?mail|message|link|code)"),
    (("confirmation",), r"\bconfirmation e-?mail"),
    (("activate",), r"\bactivate your (?:account|profile)"),
    (("terms",), r"\b(?:agree to|accept) (?:our|the) terms|\bterms of (?:service|use) (?:and|&|\|)"),
    (("privacy",), r"\bprivacy policy ?\|"),
    (("newsletters",), r"\bmanage newsletters"),
    (("thank",), r"\bthank you for (?:registering|subscribing|signing up|reading)"),
    (("notification", "notifications"),
     r"\be-?mail notifications|\bnotification has been saved|\bsaving your notification"),
    (("content",), r"\bposts new content"),
    (("inbox",), r"\bdelivered (?:right |straight )?to your (?:e-?mail )?inbox"),
    (("maximum",), r"\bmaximum number of (?:free )?(?:stories|articles)"),
    (("subscription",), r"\bwithout a subscription|\bsubscription offers"),
    (("reserved",), r"\ball rights reserved"),
    (("broadcast", "material"), r"\bmay not be (?:re)?published, broadcast|\bthis material may not be"),
    (("developing",), (r"\bthis (?:story|article|report) (?:is|will be) (?:still )?developing"
                       r"|\b(?:this is a|on this) developing story")),
    (("updated",), r"\bthis (?:story|article|report) (?:is|will be) (?:still )?(?:being updated|updated as)"),
    (("breaking",), r"\bbreaking news alert"),
    (("error",), r"\breport an error"),
    (("comment", "comments"),
     r"\bcomments? (?:are|have been) (?:closed|disabled)|\bleave (?:a|your) comments?|\bpending comments?"),
    (("share",), r"\bshare this(?: (?:story|article|video))?:|\bread or share this story"),
    (("trouble",), r"\bhaving trouble viewing"),
    (("video",), r"\bto watch this video|\bvideo (?:is )?(?:not|no longer) available"),
    (("code",), r"\bcopy this code"),
    (("latest",), r"\bfor all the latest (?:headlines|news)"),
    (("channel",), r"\bgoogle news channel|\bwhatsapp channel"),
    (("it's",), r"\bit's free"),
    (("reuse",), r"\bfor reuse options"),
    (("delivery",), r"\bhome delivery"),
    (("access",), r"\bdigital access"),
    (("zip", "zipcode"), r"\bzip ?code is not"),
    (("deliverable",), r"\bdeliverable area"),
    (("copyright", "©", "c", "tm", "™"),
     r"(?:copyright|©|\(c\))\s*(?:©\s*)?(?:19|20)\d\d|^\(?copyright\b(?=.{0,80}$)|^\(?(?:tm|™) and ©"),
)

# Calls to action a report can also make ("police ask anyone to call ...", a quoted
# resident "could see it from here"): ignored in quotes and in police appeals.
_WEAK_WEB_PHRASES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("here",), (r"^(?:for more\b[^.]{0,40}, )?(?:please )?(?:listen|watch|read|see|go|sign up|subscribe|donate)\b"
                 r"[^.]{0,40}\bhere[:.!]*$"
                 r"|\b(?:click|clicking|tap) here")),
    (("click",), r"\bclick (?:the link|on the button|below)"),
    (("download",), r"\bdownload (?:the|our) .{0,40}\bapps?\b"),
    (("app", "apps"), r"\bapps? for (?:ios|android|iphone)|\bapp store"),
    (("android",), r"\b(?:iphone|ipad|apple) (?:\||and) android"),
    (("play",), r"\bgoogle play"),
    (("follow", "like", "find", "join"),
     (r"\b(?:follow|like|find|join) (?:us|me|him|her)(?: on| at)? (?:twitter|facebook|instagram|youtube|@\w)"
      r"|\bfollow @\w+|\bfollow [^.,;:]{1,40} on (?:twitter|facebook|instagram)|\bjoin the conversation on"
      r"|\blike this: like|^follow\b[^.]{1,40}:$|\bfollow us online")),
    (("twitter", "tweet"), r"\bon twitter and facebook|\bwhen you tweet with a location"),
    (("check", "checking"), r"\bcheck back (?:later |here )?(?:for|soon)|\bkeep checking \S+ for"),
    (("stay",), r"\bstay with [^.,;]{1,40} for (?:more|updates|the latest)"),
)


def _by_trigger(phrases: tuple[tuple[tuple[str, ...], str], ...]) -> dict[str, tuple[re.Pattern[str], ...]]:
    """Trigger word -> the patterns it enables, so a sentence only tries patterns that can match."""
    table: dict[str, list[re.Pattern[str]]] = {}
    for triggers, pattern in phrases:
        compiled = re.compile(pattern, re.IGNORECASE)
        for trigger in triggers:
            table.setdefault(trigger, []).append(compiled)
    return {trigger: tuple(patterns) for trigger, patterns in table.items()}


_WEB_PATTERNS = _by_trigger(_WEB_PHRASES)
_WEAK_WEB_PATTERNS = _by_trigger(_WEAK_WEB_PHRASES)
_WEB_TRIGGERS = frozenset(_WEB_PATTERNS)
_WEAK_WEB_TRIGGERS = frozenset(_WEAK_WEB_PATTERNS)
_ALL_TRIGGERS = _WEB_TRIGGERS | _WEAK_WEB_TRIGGERS
_POLICE_APPEAL = re.compile(
    r"\b(police|sheriff|detectives?|investigators?|crime ?stoppers|crimeline|tips?|tipsters?)\b", re.IGNORECASE)
#: The words of a lower-cased text; a text's tokens are these and its © and ™ signs.
#: (The signs are looked for apart: a class of its own lets the regex engine scan fast.)
_TRIGGER_WORD = re.compile(r"[a-z0-9']+")


def _trigger_tokens(text: str, lowered: str | None = None) -> frozenset[str]:
    """The tokens of a text that enable web-phrase patterns (see _by_trigger).

    ``lowered``: ``text.lower()``, when the caller has it.
    """
    tokens = _TRIGGER_WORD.findall(text.lower() if lowered is None else lowered)
    if "©" in text:
        tokens.append("©")
    if "™" in text:
        tokens.append("™")
    return _ALL_TRIGGERS.intersection(tokens)


#: The only characters besides A-Z that an ignore-case ASCII letter matches (İ ı → i, ſ → s, K → k).
_CASE_FOLD_EXTRA = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_CASE_FOLD_CHARS = tuple(map(chr, _CASE_FOLD_EXTRA))


def _folded(text: str, lowered: str) -> str:
    """Lower-case text in which whatever an ignore-case pattern matches for a lower-case
    ASCII word reads as that word, so ``word in folded`` is implied by such a match."""
    if any(ch in text for ch in _CASE_FOLD_CHARS):
        return text.translate(_CASE_FOLD_EXTRA).lower()
    return lowered


def _is_web_machinery(text: str, tokens: frozenset[str] | None = None) -> bool:
    """Says something only a web page's machinery says (see _WEB_PHRASES).

    ``tokens``: the text's _trigger_tokens when the caller already has them.
    """
    if tokens is None:
        tokens = _trigger_tokens(text)
    strong = tokens & _WEB_TRIGGERS
    if strong and _any_match(text, strong, _WEB_PATTERNS):
        return True
    weak = tokens & _WEAK_WEB_TRIGGERS
    if not weak or _quoted(text) or _POLICE_APPEAL.search(text):
        return False
    return _any_match(text, weak, _WEAK_WEB_PATTERNS)


def _any_match(text: str, tokens: frozenset[str], table: dict[str, tuple[re.Pattern[str], ...]]) -> bool:
    """Whether a pattern enabled by one of ``tokens`` (all keys of ``table``) matches."""
    return any(pattern.search(text) for token in tokens for pattern in table[token])


# The page pitching itself to its reader: second person plus web vocabulary,
# and none of the words of a police appeal (those are reporting).
_SECOND_PERSON = re.compile(r"\b(you|your|you'll|you've|you're)\b", re.IGNORECASE)
_WEB_WORDS = re.compile(
    r"\b(e-?mail|inbox|newsletters?|apps?|subscriptions?|subscribers?|subscribe|sign(ed)? (up|in)|log (in|out)"
    r"|login|account|profile|notifications?|click|browser|password|website)\b",
    re.IGNORECASE,
)
_APPEAL_WORDS = re.compile(
    r"\b(police|sheriff|detectives?|investigators?|crime ?stoppers|crimeline|information|tips?|tipsters?"
    r"|donat\w*|funds?|fundraising|gofundme|reward)\b",
    re.IGNORECASE,
)

# Lines that announce a list of other stories: "Read more:", "Related:",
# "More from NBCNews.com:", "Also on HuffPost:", "TRENDING STORIES:".
_LIST_MARKER = re.compile(
    r"^(?:>+\s*)?(?:read (?:more|also|next)|related(?: (?:stories|articles|coverage|content|links|news|posts|reading))?"
    r"|more (?:from|on|stories|news|coverage|content|headlines)\b(?:\W+\w+){0,5}|also (?:read|see|on)\b(?:\W+\w+){0,4}"
    r"|see also|recommended(?: for you| stories| reading)?|you (?:may|might) also (?:like|be interested in)"
    r"|(?:top |most )?(?:trending|popular|read|viewed)(?: stories| articles| now| news)?"
    r"|(?:top|latest|more|other) (?:stories|headlines)|don't miss|must read|editor's picks?|what to read next"
    r"|read more top trending stories.*)\W*$",
    re.IGNORECASE,
)
# "Read more: Armenia declares martial law" on one line: a marker, then a headline.
_INLINE_PROMO = re.compile(
    r"^(?:>+\s*)?(?:read (?:more|also|next)|related(?: (?:story|stories|article|articles|coverage))?"
    r"|also (?:read|see)|see also|more|watch|listen|previously|don't miss|must read)\s*[:\-–—|>]+\s*(.+)$",
    re.IGNORECASE,
)
# A line that is nothing but a link, an e-mail address or a social handle.
_BARE_LINK = re.compile(
    r"^(?:https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w{2,}|(?:twitter|facebook|instagram)\.com/\S+)$",
    re.IGNORECASE,
)
# "1:06 Former prison nurse accused ..." : a video playlist entry (duration, headline).
_PLAYLIST_ENTRY = re.compile(r"^\d{1,2}:\d{2}\s+(?![ap]\.?m\b)\S", re.IGNORECASE)
# "Published: Sunday, 2/22/2015 - Updated: 9 months ago": the page's time stamps.
_TIME_STAMP = re.compile(r"^(?:published|posted|last updated|updated|last modified)\s*:", re.IGNORECASE)
# "By The Associated Press", "— Frank Warner", "With Rocco Parascandola": a byline.
_BYLINE = re.compile(r"^(?:[Bb]y|BY|[Ww]ith|[-—–]{1,2})\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,4}\s*$")
# A clock time ("12:45 p.m.", "10 a.m."): live-update headers carry the time of what follows.
_CLOCK_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s*[ap]\.?m\b", re.IGNORECASE)
# Sentence boundaries inside a paragraph: end punctuation, space, a capital or a quote.
# Every break starts at a space or a capital letter: the leading lookahead, implied
# by each branch, lets the other positions fail at once.
_SENTENCE_BREAK = re.compile(
    r"(?=[\sA-Z])(?:"
    r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“‘(]?[A-Z0-9]|>|•)"
    r"|(?:(?<=[a-z][.!?])|(?<=[.!?][\"”]))(?=[A-Z][a-z])|\s+(?=>>|•))"
)
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?|\d+(?:[.,:]\d+)*%?")


def _words(line: str) -> list[str]:
    return _WORD.findall(line)


_CLOSERS = "\"'”’)]»"
_QUOTE_ENDS = ('"', "”", "’", "''")
_ELLIPSES = ("...", "…")


def _is_sentence(line: str) -> bool:
    """Ends like a sentence (full stop, question, exclamation, closing quote).

    Read from the end of the line alone: a regex anchored at ``$`` would cost a
    pass over a whole long paragraph.
    """
    body = line[:-1] if line[-1:] == "\n" else line  # "$" also matches before a final newline
    if body.endswith(_ELLIPSES):
        return False
    if body.endswith(_QUOTE_ENDS):
        return True
    tail = line
    while True:  # drop trailing spaces and closing marks: [\s"'”’)\]»]*
        stripped = tail.rstrip().rstrip(_CLOSERS)
        if stripped == tail:
            break
        tail = stripped
    return tail.endswith((".", "!", "?"))


def _is_ui_label(line: str) -> bool:
    """A short unpunctuated line made mostly of user-interface words."""
    if _is_sentence(line) or len(line) > 80 or _CLOCK_TIME.search(line):
        return False
    words = [w.lower() for w in _words(line) if not w[0].isdigit()]
    if not words or len(words) > 8:
        return not words  # only numbers and symbols: "100%", "1 / 12", "2:26"
    meaningful = [w for w in words if w not in _FUNCTION_WORDS and len(w) > 1]
    if not meaningful:
        return all(len(w) == 1 for w in words)  # "A A": the font size buttons
    ui = sum(1 for w in meaningful if w in _UI_WORDS)
    # A list of labels ("Follow KDKA: Facebook | Twitter") needs a smaller share.
    needed = 0.6 if ("|" in line or ":" in line) else 0.75
    return ui / len(meaningful) >= needed


_FULL_STOP_END = re.compile(r"\.[\"'”’)\]]*$")


def _is_headline(line: str) -> bool:
    """Looks like a link to another story: short, capitalized, no closing full stop.

    Headlines may end with "?" or "!", never with a full stop (an ellipsis is a
    cut-off headline, not a full stop).
    """
    if len(line) > 160 or len(_words(line)) > 25:
        return False
    if line[:1].islower():
        return False
    return not _FULL_STOP_END.search(line) or _ELLIPSIS_END.search(line) is not None


_OPENING_SINGLE_QUOTE = re.compile(r"(^|\s)['‘]\w")


def _quoted(line: str) -> bool:
    """Holds quotation marks: someone is being quoted, which is reporting."""
    return ('"' in line or "“" in line or "”" in line or "«" in line or "»" in line
            or (("'" in line or "‘" in line) and _OPENING_SINGLE_QUOTE.search(line) is not None))


def _pitches_the_page(sentence: str) -> bool:
    """One short sentence addressing the reader about the page ("you can sign up ..."),
    not a police appeal or a quote."""
    return (len(sentence) <= 300 and _SECOND_PERSON.search(sentence) is not None
            and _WEB_WORDS.search(sentence) is not None and _APPEAL_WORDS.search(sentence) is None
            and not _quoted(sentence))


def is_furniture(line: str) -> bool:
    """True for a whole paragraph that is page furniture wherever it appears."""
    if not _HAS_WORD.search(line):
        return True  # "---", "•", "."
    if _BARE_LINK.match(line):
        return True
    if _is_ui_label(line):
        return True
    if _PLAYLIST_ENTRY.match(line) and not _is_sentence(line):
        return True
    if len(line) <= 100 and not _is_sentence(line) and (_TIME_STAMP.match(line) or _BYLINE.match(line)):
        return True
    promo = _INLINE_PROMO.match(line)
    return bool(promo and _is_headline(promo.group(1)))


# "… investigators said. via Facebook © 2016 Cox Media Group." : a credit line glued to a paragraph.
_TRAILING_COPYRIGHT = re.compile(
    r"(?<=[.!?\"”])\s+[^.!?©]{0,40}?\(?(?:©|copyright)\s*©?\s*(?:19|20)\d\d[^.!?]{0,80}[.!?)]*$",
    re.IGNORECASE,
)


def _split_sentences(paragraph: str) -> list[str]:
    return [part for part in _SENTENCE_BREAK.split(paragraph) if part]


def _sentence_is_web_talk(sentence: str, hits: frozenset[str], second_person: bool) -> bool:
    """One sentence of the page talking about itself (sign-ups, sharing, copyright),
    in a paragraph whose _trigger_tokens are ``hits`` and whose ``second_person``
    says whether it has both _SECOND_PERSON and _WEB_WORDS.

    A sentence's tokens and regex matches are also its paragraph's: sentences
    split at spaces and after punctuation, which no token or word runs across.
    """
    if hits:
        lowered = sentence.lower()
        if any(hit in lowered for hit in hits) and _is_web_machinery(sentence, _trigger_tokens(sentence, lowered)):
            return True
    return second_person and _pitches_the_page(sentence)


def _without_web_talk(paragraph: str) -> str:
    """The paragraph minus its sentences of web machinery ("" when nothing else is left).

    Sentences are only split out and tested when the paragraph has what web
    talk needs: a trigger token, or second-person and web words.
    """
    lowered = paragraph.lower()
    hits = _trigger_tokens(paragraph, lowered)
    # _SECOND_PERSON can only match where the lowered text reads "you".
    you = "you" in lowered
    if (len(paragraph) <= 400 and not _is_web_machinery(paragraph, hits)
            and not (you and _SECOND_PERSON.search(paragraph))):
        return paragraph
    if "©" in paragraph or "copyright" in _folded(paragraph, lowered):
        paragraph = _TRAILING_COPYRIGHT.sub("", paragraph)
    # The cut leaves a start of the paragraph, whose tokens are among ``hits``.
    second_person = you and _SECOND_PERSON.search(paragraph) is not None and _WEB_WORDS.search(paragraph) is not None
    if not hits and not second_person:
        return paragraph
    sentences = _split_sentences(paragraph)
    kept = [s for s in sentences if not _sentence_is_web_talk(s, hits, second_person)]
    if len(kept) == len(sentences):
        return paragraph
    if kept and not _is_sentence(kept[-1]) and _is_ui_label(kept[-1]):
        kept.pop()  # a dangling widget label after the last sentence: "Get", "More"
    return " ".join(kept)


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE_CHARS = tuple(map(chr, _INVISIBLE))
_SPACE_CHARS = r" \t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # what counts as a space
_ODD_SPACE_CHARS = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # all but the plain space
#: The runs of spaces that replacing by one space changes: all but a lone space.
#: Starting with a character class lets the regex engine skip to candidates fast.
_SPACES_TO_FIX = re.compile(rf"[{_SPACE_CHARS}](?:(?<=[{_ODD_SPACE_CHARS}])[{_SPACE_CHARS}]*|[{_SPACE_CHARS}]+)")
_ODD_SPACE = re.compile(rf"[{_ODD_SPACE_CHARS}]")


def _single_spaced(text: str) -> str:
    """Every run of spaces as one space; nothing done when each run already is one."""
    if "  " in text or _ODD_SPACE.search(text):
        return _SPACES_TO_FIX.sub(" ", text)
    return text


def _visible(text: str) -> str:
    """The text without invisible characters (translating costs more than looking for them)."""
    if any(ch in text for ch in _INVISIBLE_CHARS):
        return text.translate(_INVISIBLE)
    return text


def normalize_line(line: str) -> str:
    line = _CONTROL_CHARS.sub("", _visible(line))
    return _single_spaced(line).strip()


def _normalize_lines(text: str, raw_lines: list[str]) -> list[str]:
    """``normalize_line`` of every line (each first cut at twice the paragraph limit).

    None of the replacements touches a line end, so when no line needs cutting
    the whole text is normalized at once rather than line by line.
    """
    limit = MAX_PARAGRAPH_CHARS * 2
    if len(text) > limit and max(map(len, raw_lines)) > limit:
        return [normalize_line(_cap(line, limit)) for line in raw_lines]
    text = _single_spaced(_CONTROL_CHARS.sub("", _visible(text)))
    return [line.strip() for line in text.split("\n")]


def _cap(paragraph: str, limit: int = MAX_PARAGRAPH_CHARS) -> str:
    """Cut an overlong paragraph, at the last sentence end before the limit if any."""
    if len(paragraph) <= limit:
        return paragraph
    head = paragraph[:limit]
    cut = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    if cut >= limit // 2:
        return head[: cut + 1]
    space = head.rfind(" ")
    return head[:space] if space >= limit // 2 else head


def _unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line not ending a sentence, followed by one starting lowercase."""
    paragraphs: list[str] = []
    previous_blank = True
    for line in lines:
        if not line:
            previous_blank = True
            continue
        if (paragraphs and not previous_blank and line[:1].islower()
                and not _is_sentence(paragraphs[-1]) and not paragraphs[-1].endswith(":")):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        previous_blank = False
    return paragraphs


def _is_indented(raw_line: str) -> bool:
    return raw_line[:1] in (" ", "\t")


def _hard_wrap_width(raw_lines: list[str], lines: list[str]) -> int | None:
    """The wrap width of hard-wrapped text (wire copy wrapped at ~65 columns), or None.

    Looks at lines that a paragraph continues after (not the first line, whose
    dateline may be gone, nor one followed by an indented line). The text is
    hard-wrapped when most of them are filled close to one width, few end a
    sentence, and the next line often goes on in lower case. One paragraph or
    sentence per line (the seeds, most exports) and lists of headlines are not.
    """
    first = next((i for i, line in enumerate(lines) if line), len(lines))
    inner = [i for i in range(first + 1, len(lines) - 1)
             if lines[i] and lines[i + 1] and not _is_indented(raw_lines[i + 1])]
    if len(inner) < 2:
        return None
    lengths = sorted(len(lines[i]) for i in inner)
    width = lengths[(len(lengths) * 9) // 10]
    if not 40 <= width <= 100:
        return None
    filled = sum(1 for i in inner if len(lines[i]) >= 0.7 * width)
    ending = sum(1 for i in inner if _is_sentence(lines[i]))
    continued = sum(1 for i in inner if lines[i + 1][:1].islower() or lines[i + 1][:1].isdigit())
    if filled >= 0.75 * len(inner) and ending <= 0.4 * len(inner) and continued >= 0.3 * len(inner):
        return width
    return None


def _join_hard_wrapped(raw_lines: list[str], lines: list[str], width: int) -> list[str]:
    """Paragraphs of hard-wrapped text. One ends at a blank line, before an indented
    line (when indents mark paragraphs), and after a short line ending a sentence."""
    indented = sum(1 for raw, line in zip(raw_lines, lines) if line and _is_indented(raw))
    indents_mark_paragraphs = indented < 0.5 * sum(1 for line in lines if line)
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw, line in zip(raw_lines, lines):
        if not line:
            flush()
            continue
        if indents_mark_paragraphs and _is_indented(raw):
            flush()
        if current and current[-1].endswith("-") and current[-1][-2:-1].isalpha() and line[:1].islower():
            current[-1] += line  # a word hyphenated across the line break
        else:
            current.append(line)
        if len(line) < 0.6 * width and (_is_sentence(line) or line.endswith(":")):
            flush()
    flush()
    return paragraphs


def clean_text(text: str) -> str:
    """Reduce an article body to its reporting: paragraphs separated by a blank line.

    Normalizes line ends, spaces and invisible characters, joins hard-wrapped
    lines (wire copy wrapped at a fixed width, or a line continued in lower
    case), then drops page furniture by general rules: lines without words,
    bare links, short unpunctuated user-interface labels, the web page talking
    to its reader (sign-ups, share and follow prompts, captchas, copyright
    lines), and headline lists after a "Read more"/"Related"/"More from"
    marker (the lines after the marker up to the next real paragraph).
    Sentences, quotes and attributions are kept. Pure and idempotent.
    """
    if len(text) > MAX_TEXT_CHARS:
        cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
        text = text[: cut if cut > 0 else MAX_TEXT_CHARS]
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    raw_lines = text.split("\n")
    lines = _normalize_lines(text, raw_lines)
    width = _hard_wrap_width(raw_lines, lines)
    paragraphs = _join_hard_wrapped(raw_lines, lines, width) if width else _unwrap(lines)
    kept: list[str] = []
    in_headline_list = False
    for paragraph in paragraphs:
        paragraph = _cap(paragraph)
        if _LIST_MARKER.match(paragraph) and not _is_sentence(paragraph):
            in_headline_list = True
            continue
        if in_headline_list:
            if _is_headline(paragraph):
                continue
            in_headline_list = False
        if is_furniture(paragraph):
            continue
        cleaned = _without_web_talk(paragraph)
        # An unchanged paragraph was just found not to be furniture.
        if cleaned == paragraph or (cleaned and not is_furniture(cleaned)):
            kept.append(cleaned)
    return "\n\n".join(kept)

