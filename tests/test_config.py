"""Settings: defaults, validation of every problem at once, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.config import Project, Settings, load_settings, setting_help
from briefgen.diagnostics import ConfigError
from briefgen.scaffold import settings_file


def write(root: Path, text: str) -> Project:
    (root / "briefgen.yaml").write_text(text, encoding="utf-8")
    return Project(root)


def test_a_project_without_settings_gets_every_default(tmp_path):
    assert load_settings(Project(tmp_path), environ={}) == Settings()


def test_settings_are_read_and_site_url_gets_a_trailing_slash(tmp_path):
    project = write(tmp_path, "title: Desk\nsite_url: https://me.github.io/desk\nexclude: [a/b]\n")
    settings = load_settings(project, environ={})
    assert settings.title == "Desk"
    assert settings.site_url == "https://me.github.io/desk/"
    assert settings.exclude == ["a/b"]


def test_every_problem_is_reported_at_once_with_its_line(tmp_path):
    project = write(tmp_path, "title: Desk\ntitel: typo\nsearch: maybe\njobs: -1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(project, environ={})
    messages = [str(p) for p in caught.value.problems]
    assert messages == [
        "briefgen.yaml:2: unknown setting 'titel' (did you mean 'title'?)",
        "briefgen.yaml:3: 'search' must be true or false",
        "briefgen.yaml:4: 'jobs' must be 0 (one per core) or more",
    ]


def test_broken_yaml_names_line_and_column(tmp_path):
    project = write(tmp_path, "title: Desk\nsite_url: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(project, environ={})
    problem = caught.value.problems[0]
    assert problem.path == "briefgen.yaml" and problem.line is not None and problem.column is not None


def test_aliases_are_refused(tmp_path):
    project = write(tmp_path, "title: &t Desk\ndescription: *t\n")
    with pytest.raises(ConfigError, match="not allowed"):
        load_settings(project, environ={})


def test_environment_then_command_line_override_the_file(tmp_path):
    project = write(tmp_path, "title: Desk\nsite_url: https://a.example/\n")
    env = {"BRIEFGEN_SITE_URL": "https://b.example/", "BRIEFGEN_SEARCH": "false", "HOME": "/x"}
    settings = load_settings(project, environ=env)
    assert settings.site_url == "https://b.example/" and settings.search is False
    settings = load_settings(project, {"site_url": "https://c.example/"}, environ=env)
    assert settings.site_url == "https://c.example/"


def test_a_bad_environment_value_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"\$BRIEFGEN_JOBS: 'jobs' must be a whole number"):
        load_settings(Project(tmp_path), environ={"BRIEFGEN_JOBS": "many"})


def test_the_init_settings_file_lists_every_setting_and_loads_to_the_defaults(tmp_path):
    project = write(tmp_path, settings_file("Briefings"))
    text = project.config_file.read_text()
    for name, _default, help_text in setting_help():
        assert f"\n{name}:" in text and help_text in text
    assert load_settings(project, environ={}) == Settings()
