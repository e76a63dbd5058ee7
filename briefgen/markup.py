"""Turning untrusted text into safe HTML: URLs, Markdown, slugs, ids.

Everything a briefing carries came from the open web or an editor's keyboard, so
nothing here trusts it: URLs pass only as http(s), Markdown renders with raw HTML
off and a link filter, and names become file names only through ``slugify``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markupsafe import Markup

#: Longest Markdown field rendered; more is cut (the YAML keeps it all).
MAX_MARKDOWN_CHARS = 10_000
#: Past this many "[" a field is rendered with brackets escaped: markdown-it's
#: link scanner is quadratic on pathological input such as 100,000 "[".
MAX_BRACKETS = 200

_FORBIDDEN_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_SAFE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def clean_text(text: str) -> str:
    """Drop characters HTML and XML forbid (controls, surrogates, non-characters)."""
    return _FORBIDDEN_CHARS.sub("", text)


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is an absolute http(s) URL with a host, else None."""
    if not url or not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2048 or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    if clean_text(url) != url or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def safe_link(target: str) -> bool:
    """Markdown link filter: absolute http(s), or a path relative to the page.

    Root-absolute (``/x``) and protocol-relative (``//host``) links are refused:
    the first breaks under a GitHub Pages project path, the second hides a host.
    """
    target = target.strip()
    if not target:
        return False
    if safe_url(target):
        return True
    if target.startswith(("/", "\\")) or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return False
    head = re.split(r"[/?#]", target, maxsplit=1)[0]
    return ":" not in head and "\\" not in target


def _make_markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "xhtmlOut": False})
    md.disable("image")  # an image from content would load a third-party URL
    md.validateLink = safe_link
    return md


_MARKDOWN = _make_markdown()


def _prepare(text: str) -> str:
    text = clean_text(text)[:MAX_MARKDOWN_CHARS]
    if text.count("[") > MAX_BRACKETS:
        text = text.replace("[", "\\[")
    return text


def markdown_block(text: str | None) -> Markup:
    """Markdown paragraphs (background, notes) to HTML; raw HTML stays text."""
    if not text:
        return Markup("")
    return Markup(_MARKDOWN.render(_prepare(text)))


def markdown_inline(text: str | None) -> Markup:
    """One Markdown sentence (a summary line) to inline HTML."""
    if not text:
        return Markup("")
    return Markup(_MARKDOWN.renderInline(_prepare(text)))


def slugify(name: str, fallback_seed: str | None = None) -> str:
    """A lowercase ASCII file name for ``name``; never empty, never a path."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    if not slug:
        digest = hashlib.sha1((fallback_seed or name).encode("utf-8", "replace")).hexdigest()
        slug = "x-" + digest[:10]
    return slug


def is_safe_slug(slug: str) -> bool:
    return bool(_SAFE_SLUG.match(slug or ""))


def html_id(prefix: str, value: str) -> str:
    """An HTML id (and URL fragment) for a record id that may hold anything."""
    if _SAFE_ID.match(value or ""):
        return f"{prefix}-{value}"
    return f"{prefix}-x{hashlib.sha1((value or '').encode('utf-8', 'replace')).hexdigest()[:10]}"


def parse_iso_date(value: str | None) -> date | None:
    """An ISO date (``YYYY-MM-DD``, optionally with a time part) or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
