"""``briefgen init``: a new project with every setting present and explained."""

from __future__ import annotations

from pathlib import Path

import yaml

from .config import CONFIG_FILE, setting_help
from .diagnostics import ConfigError, Problem

EXAMPLE_ARTICLE = """\
---
title: Ceasefire talks resume after weekend clashes
source: Example Wire
url: https://example.org/news/ceasefire-talks
published: 2024-05-06
---
Delegations met on Monday to resume ceasefire talks after three days of clashes, the
mediators said in a statement.

Four soldiers were killed and 12 wounded on Sunday, the defence ministry said.

Replace this file with real reports: plain text (title on the first line), Markdown
with front matter like this one, or saved HTML pages. `briefgen import` converts
exports and feeds.
"""

PROJECT_README = """\
# {title}

A briefgen project: news reports in, a cited briefing website out.

- `content/articles/` the reports (`.txt`, `.md` with front matter, saved `.html`);
  `briefgen import FILE...` brings in HTML pages, CSV/JSON Lines exports and RSS/Atom feeds.
- `content/briefings/` one YAML file per briefing, written by `briefgen build`; edit them
  by hand, your edits are kept on every rebuild. Commit this folder (hidden files included).
- `briefgen.yaml` settings, each explained in place.
- `site/` the built website (not to be edited; rebuilt every time).

Commands: `briefgen serve` (preview with reload), `briefgen build`, `briefgen check`,
`briefgen clean`. Each has `--help`.
"""


def settings_file(title: str) -> str:
    """briefgen.yaml text with every setting, its default and what it does."""
    lines = ["# briefgen settings. Every setting is optional; the value shown is the default.",
             "# Environment variables BRIEFGEN_<NAME> (e.g. BRIEFGEN_SITE_URL) override this file.",
             ""]
    for name, default, help_text in setting_help():
        value = title if name == "title" else default
        dumped = yaml.safe_dump({name: value}, default_flow_style=True, width=1000).strip()
        lines.append(f"# {help_text}")
        lines.append(dumped[1:-1] if dumped.startswith("{") else dumped)
        lines.append("")
    return "\n".join(lines)


def create_project(directory: Path) -> Path:
    """Create ``directory`` as a project; refuse to touch a folder that has files."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ConfigError(Problem(str(directory), "exists and is not empty; choose a new folder"))
    title = directory.resolve().name.replace("-", " ").replace("_", " ").strip().title() or "Briefings"
    (directory / "content" / "articles").mkdir(parents=True, exist_ok=True)
    (directory / "content" / "briefings").mkdir(parents=True, exist_ok=True)
    (directory / CONFIG_FILE).write_text(settings_file(title), encoding="utf-8")
    (directory / "content" / "articles" / "example.md").write_text(EXAMPLE_ARTICLE, encoding="utf-8")
    (directory / "README.md").write_text(PROJECT_README.format(title=title), encoding="utf-8")
    (directory / ".gitignore").write_text("/site/\n/.briefgen/\n", encoding="utf-8")
    return directory
