"""Project layout and ``briefgen.yaml`` settings.

Every setting has a default, so a folder holding only ``content/articles/`` is a
valid project. The file is validated as a whole: every problem is reported at
once, with its line, and an unknown key gets a "did you mean".
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .diagnostics import BriefgenError, ConfigError, Problem
from .safeyaml import key_lines, load_yaml

CONFIG_FILE = "briefgen.yaml"


@dataclass(frozen=True)
class Project:
    """Where a project keeps its inputs, its outputs and its caches."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / CONFIG_FILE

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def articles_dir(self) -> Path:
        return self.root / "content" / "articles"

    @property
    def briefings_dir(self) -> Path:
        return self.root / "content" / "briefings"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".briefgen"

    @property
    def themes_dir(self) -> Path:
        return self.root / "themes"


def _setting(default: Any, help: str) -> Any:
    """A settings field whose help text feeds ``briefgen init`` and the docs."""
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class Settings:
    """Options of ``briefgen.yaml``; every one has a default."""

    title: str = _setting("Briefings", "site title, shown in the header and the feed")
    description: str = _setting("", "one line shown under the title and in the feed")
    site_url: str | None = _setting(
        None, "public address, e.g. https://user.github.io/repo/ ; needed for the feed, "
              "sitemap and canonical links (skipped without it)")
    language: str = _setting("en", "language of the pages (the lang attribute)")
    theme: str = _setting("default", "theme folder: themes/<name>/ of the project, then briefgen's own")
    cname: str | None = _setting(None, "custom domain for GitHub Pages, written to site/CNAME")
    search: bool = _setting(True, "build the Pagefind full-text search index")
    exclude: list[str] = _setting([], "article ids kept out of every briefing")
    similarity: float = _setting(
        0.0, "clustering: how likely (0-1), on average over their pairs, two groups of reports "
             "must be to tell the same story before they merge (0 = built-in default, about 0.27)")
    window_days: int = _setting(
        7, "clustering: dated reports up to this many days apart are compared freely; further "
           "apart they need more evidence, and beyond 8 windows they are never joined")
    jobs: int = _setting(0, "worker processes (and clustering threads) for a build; 0 = one per core")


def setting_help() -> list[tuple[str, Any, str]]:
    """(name, default, help) for every setting, in declaration order."""
    defaults = Settings()
    return [(f.name, getattr(defaults, f.name), f.metadata["help"]) for f in fields(Settings)]


#: Settings that environment variables may override, for CI: BRIEFGEN_<NAME>.
ENV_PREFIX = "BRIEFGEN_"


def _field_types() -> dict[str, Any]:
    return {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any, type_name: str) -> Any:
    """Check (and for env strings convert) one value against its declared type."""
    base = type_name.replace(" | None", "")
    if value is None:
        if "None" in type_name:
            return None
        raise ValueError("must not be empty")
    if base == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "1", "false", "no", "0"):
            return value.lower() in ("true", "yes", "1")
        raise ValueError("must be true or false")
    if base == "int":
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError("must be a whole number") from None
    if base == "float":
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number") from None
    if base == "list[str]":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of strings")
        return list(value)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError("must be text")
    return str(value)


def _validate_value(name: str, value: Any) -> str | None:
    """Semantic checks beyond the type; returns a message or None."""
    if name == "site_url" and value and not str(value).startswith(("http://", "https://")):
        return "must start with http:// or https://"
    if name == "jobs" and value < 0:
        return "must be 0 (one per core) or more"
    if name == "window_days" and value < 0:
        return "must be 0 or more"
    if name == "theme" and ("/" in value or "\\" in value or value.startswith(".")):
        return "must be a folder name under themes/"
    return None


def load_settings(project: Project, overrides: dict[str, Any] | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read ``briefgen.yaml`` (if any), then environment, then command-line overrides."""
    path = project.config_file
    shown = CONFIG_FILE
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(Problem(shown, f"cannot read: {exc}")) from None
        try:
            data = load_yaml(text, shown)
        except BriefgenError as exc:
            raise ConfigError(exc.problems) from None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(Problem(shown, "must be a mapping of setting: value", 1))
        raw = data
        lines = key_lines(text)

    types = _field_types()
    values: dict[str, Any] = {}

    def take(name: Any, value: Any, origin: str, line: int | None) -> None:
        name = str(name)
        if name not in types:
            hint = difflib.get_close_matches(name, types, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            problems.append(Problem(origin, f"unknown setting '{name}'{suggestion}", line))
            return
        try:
            converted = _coerce(name, value, str(types[name]))
        except ValueError as exc:
            problems.append(Problem(origin, f"'{name}' {exc}", line))
            return
        message = _validate_value(name, converted)
        if message:
            problems.append(Problem(origin, f"'{name}' {message}", line))
            return
        values[name] = converted

    for key, value in raw.items():
        take(key, value, shown, lines.get(str(key)))
    env = os.environ if environ is None else environ
    for key, value in sorted(env.items()):
        if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX):].lower() in types:
            take(key[len(ENV_PREFIX):].lower(), value, f"${key}", None)
    for key, value in (overrides or {}).items():
        if value is not None:
            take(key, value, f"--{key.replace('_', '-')}", None)
    if problems:
        raise ConfigError(problems)
    settings = Settings(**values)
    if settings.site_url and not settings.site_url.endswith("/"):
        settings.site_url += "/"
    return settings

