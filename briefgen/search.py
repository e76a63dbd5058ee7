"""Full-text search: run Pagefind (shipped by the ``pagefind[bin]`` package) over site/.

Pagefind indexes only elements marked ``data-pagefind-body`` (the briefing pages),
writes its bundle to a fresh folder and then swaps it in, so a build stopped
halfway leaves the previous index working.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

BUNDLE_DIR = "pagefind"
TIMEOUT_SECONDS = 600


def pagefind_available() -> bool:
    return importlib.util.find_spec("pagefind_bin") is not None or shutil.which("pagefind") is not None


def build_search_index(site_dir: Path) -> str | None:
    """Index ``site_dir``; returns a notice (why search was skipped) or None on success."""
    if not pagefind_available():
        return "search index skipped: the Pagefind binary is not installed (pip install 'pagefind[bin]')"
    fresh = site_dir / (BUNDLE_DIR + ".new")
    stale = site_dir / (BUNDLE_DIR + ".old")
    for leftover in (fresh, stale):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir",
               fresh.name, "--keep-index-url", "--silent"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"search index skipped: Pagefind did not run ({exc})"
    if result.returncode != 0 or not fresh.is_dir():
        detail = (result.stderr or result.stdout).strip().splitlines()
        return "search index skipped: Pagefind failed" + (f" ({detail[-1]})" if detail else "")
    current = site_dir / BUNDLE_DIR
    if current.is_dir() and not current.is_symlink():
        current.rename(stale)
    fresh.rename(current)
    if stale.is_dir():
        shutil.rmtree(stale)
    return None
