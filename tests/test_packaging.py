"""The wheel carries everything a user needs: the default theme included."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_default_theme_and_the_console_script(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(tmp_path), str(REPO)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("briefgen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = sorted(p.relative_to(REPO / "themes").as_posix()
                   for p in (REPO / "themes" / "default").rglob("*") if p.is_file())
    assert theme, "the repository's default theme is empty"
    for name in theme:
        assert f"briefgen/themes/{name}" in names
    assert "briefgen/extract/__init__.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "briefgen = briefgen.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
