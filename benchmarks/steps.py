"""Where one build of a project spends its time, step by step.

    python benchmarks/steps.py PROJECT [--cold] [--jobs N]

Runs ``briefgen build`` on PROJECT in this process and prints, for each step
(reading articles, grouping, extraction, merging briefings, the journal's
commit, saving briefings, rendering), its wall time and CPU time: this
process's user and system time, and its worker processes'. Then the stage
times and each stage's peak memory, as ``benchmarks/scale.py`` reports them.

``--cold`` deletes the project's site, cache and briefing files first. Mind
the file system after a large deletion (see ``benchmarks/scale.py``): for a
cold build that measures what a user sees, copy or link the articles into a
new project folder instead.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import time
from pathlib import Path

from briefgen import atomic, briefing, ingest, render
from briefgen import build as pipeline
from briefgen.config import Project, load_settings

STEPS = ((ingest, "read_articles"), (pipeline, "cluster_all"), (pipeline, "extract_all"),
         (briefing, "reconcile"), (atomic.Journal, "commit"), (briefing, "save_all"),
         (render, "render_site"))


def timed(owner: object, name: str) -> None:
    """Replace ``owner.name`` by a copy that prints its wall and CPU time."""
    function = getattr(owner, name)

    @functools.wraps(function)
    def step(*args, **kwargs):
        started, before = time.perf_counter(), os.times()
        try:
            return function(*args, **kwargs)
        finally:
            after = os.times()
            workers = (after.children_user - before.children_user
                       + after.children_system - before.children_system)
            print(f"  {name:14s} wall {time.perf_counter() - started:7.2f} s   user {after.user - before.user:7.2f}"
                  f"   system {after.system - before.system:7.2f}   workers {workers:7.2f}", flush=True)

    setattr(owner, name, step)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--cold", action="store_true", help="delete site, cache and briefing files first")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0 = one per core)")
    args = parser.parse_args(argv)
    if args.cold:
        for sub in ("site", ".briefgen", "content/briefings"):
            shutil.rmtree(args.project / sub, ignore_errors=True)
    for owner, name in STEPS:
        timed(owner, name)
    project = Project(args.project)
    started = time.perf_counter()
    report = pipeline.build(project, load_settings(project, environ={}), jobs=args.jobs or None)
    print(f"total {time.perf_counter() - started:.2f} s")
    print("stages (s):", ", ".join(f"{k} {v:.2f}" for k, v in report.stage_seconds.items()))
    print("peak memory as each stage ends (MiB):",
          ", ".join(f"{k} {v:.0f}" for k, v in report.stage_peak_mib.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
