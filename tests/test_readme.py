"""The README stays true: its settings table, its commands and CI's test command."""

from __future__ import annotations

import json
from pathlib import Path

from briefgen.cli import COMMANDS
from briefgen.config import setting_help

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_with_its_default_and_help():
    for name, default, help_text in setting_help():
        assert f"| `{name}` | `{json.dumps(default)}` | {help_text} |" in README, name


def test_every_command_is_documented():
    for command in COMMANDS:
        assert f"`briefgen {command}" in README, command


def test_ci_runs_the_readme_test_command():
    quick_start = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    test_command = next(line for line in quick_start.splitlines() if "test" in line).split("#")[0].strip()
    assert test_command == "bash scripts/test.sh"
    assert test_command in (REPO / ".ci" / "run").read_text(encoding="utf-8")
