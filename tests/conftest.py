"""Shared fixtures: where the sample corpora are, and small throwaway projects."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GOLD_SEEDS = SHARED / "gold" / "seeds.yaml"
SAMPLE_ARTICLES = REPO / "content" / "articles"


def in_ci() -> bool:
    """In CI a test that cannot run its real tool must fail, not skip."""
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only corpora beside the repo; tests that need them skip without them."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"needs the shared corpora at {SHARED} (not present beside this clone)")
    return SHARED


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A copy of the repo's sample project (the two seed articles), safe to build into."""
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE_ARTICLES, root / "content" / "articles")
    return root
