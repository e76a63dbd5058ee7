"""Safe YAML reading for untrusted and hand-edited files.

Only plain data (no Python tags), no anchors or aliases (a few hundred bytes of
aliases can expand to gigabytes: "billion laughs"), a size cap, and errors that
name the file, line and column.
"""

from __future__ import annotations

from typing import Any

import re

import yaml

from .diagnostics import BriefgenError, Problem

#: Larger YAML documents are refused rather than parsed.
MAX_YAML_BYTES = 5_000_000

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Deeper nesting is refused before parsing: PyYAML's C parser crashes the
#: whole process (SIGSEGV) on some ten thousand nested brackets or dashes.
MAX_YAML_DEPTH = 50
_NESTED_DASHES = re.compile(rf"(?:-[ \t]+){{{MAX_YAML_DEPTH}}}")
_DEEP_INDENT = re.compile(rf"^[ \t]{{{MAX_YAML_DEPTH * 4}}}", re.MULTILINE)
_BRACKETS = re.compile(r"[\[\]{}]")


def too_deep(text: str) -> bool:
    """Nested deeper than MAX_YAML_DEPTH: flow brackets, "- - -" or indentation."""
    if _NESTED_DASHES.search(text) or _DEEP_INDENT.search(text):
        return True
    depth = 0
    for match in _BRACKETS.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(depth - 1, 0)
        if depth > MAX_YAML_DEPTH:
            return True
    return False


class NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors and aliases."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed",
                                              event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(None, None, "anchors (&name) are not allowed",
                                              event.start_mark)
        return super().compose_node(parent, index)


def yaml_problem(exc: yaml.YAMLError, path: str, line_offset: int = 0) -> Problem:
    """Turn a PyYAML error into a Problem with a 1-based line and column."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    message = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    if context:
        message = f"{message} ({context})"
    if mark is None:
        return Problem(path, f"invalid YAML: {message}")
    return Problem(path, f"invalid YAML: {message}", mark.line + 1 + line_offset, mark.column + 1)


def loader_for(text: str) -> type:
    """The loader ``load_yaml`` reads ``text`` with.

    The C loader is ~10x faster; it cannot refuse aliases itself, so text
    that could hold an anchor or alias takes the checking pure-Python loader.
    """
    return NoAliasLoader if ("&" in text or "*" in text) else _FastLoader


def load_yaml(text: str, path: str, line_offset: int = 0) -> Any:
    """Parse one YAML document safely; raise BriefgenError naming file:line:column.

    ``line_offset`` shifts reported lines, for YAML embedded in a larger file
    (front matter starts on line 2 of its article).
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise BriefgenError(Problem(path, f"YAML larger than {MAX_YAML_BYTES} bytes refused"))
    if too_deep(text):
        raise BriefgenError(Problem(path, f"YAML nested deeper than {MAX_YAML_DEPTH} levels refused"))
    try:
        return yaml.load(text, Loader=loader_for(text))
    except yaml.YAMLError as exc:
        raise BriefgenError(yaml_problem(exc, path, line_offset)) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date: 2020-02-31
        raise BriefgenError(Problem(path, f"invalid value: {exc}")) from None
    except RecursionError:
        raise BriefgenError(Problem(path, "YAML nested too deeply")) from None


def key_lines(text: str) -> dict[str, int]:
    """1-based line numbers of a mapping document's top-level keys."""
    lines: dict[str, int] = {}
    if too_deep(text):
        return lines
    try:
        node = yaml.compose(text, Loader=NoAliasLoader)
    except (yaml.YAMLError, RecursionError):
        return lines
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1
    return lines
