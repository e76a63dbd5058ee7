"""How fast ``briefgen build`` is as the pile of articles grows.

Builds projects of real wire and local news text (Reuters-21578 and the GVA
corpus from ../shared/corpus) at several sizes and reports, per size: cold
build, no-change rebuild, rebuild after adding one article, rebuild after
editing one briefing YAML, each stage's share, and peak RSS. Every build runs
in a child process so its peak RSS is its own.

Above the 21,897 real articles, copies are made with light perturbation: copy
k of an article gets its own id, its date moved k * 400 days later (so copies
never fall in one clustering window with their original), every number in it
shifted by k, and its first sentence dropped when it has more than one.

    python benchmarks/scale.py                       # 1k and 10k, median of 3, plus 100k once
    python benchmarks/scale.py --sizes 1000 --runs 1 --pelican
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SCENARIOS = ("cold", "no_change", "add_one", "edit_yaml")
STAGES = ("ingest", "cluster", "extract", "briefing", "render")

CHILD = r"""
import json, sys, time
from pathlib import Path
from briefgen.build import build
from briefgen.config import Project, load_settings
project = Project(Path(sys.argv[1]))
started = time.perf_counter()
report = build(project, load_settings(project, environ={}), jobs=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - started, "stages": report.stage_seconds,
                  "stage_peak_mib": report.stage_peak_mib,
                  "up_to_date": report.up_to_date, "briefings": report.briefings}))
"""


def load_records() -> list[dict]:
    records = []
    for name in ("reuters21578", "gva"):
        with (CORPUS / name / "articles.jsonl").open(encoding="utf-8") as handle:
            records.extend(json.loads(line) for line in handle if line.strip())
    random.Random(0).shuffle(records)
    return records


def perturb(record: dict, k: int) -> dict:
    """Copy ``k`` of a record: new id, later date, shifted numbers, one sentence fewer."""
    if k == 0:
        return record
    shift = lambda text: re.sub(r"\d+", lambda m: str(int(m.group()) + k), text)  # noqa: E731
    text = shift(record["text"])
    sentences = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)
    if len(sentences) == 2 and sentences[1].strip():
        text = sentences[1]
    published = record.get("published")
    if published:
        published = (date.fromisoformat(published[:10]) + timedelta(days=400 * k)).isoformat()
    return dict(record, id=f"{record['id']}-copy{k}", title=shift(record["title"]),
                text=text, published=published)


def article_markdown(record: dict) -> str:
    meta = {key: record[key] for key in ("title", "source", "url", "published") if record.get(key)}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + record["text"] + "\n"


def make_project(root: Path, records: list[dict], size: int) -> list[dict]:
    """Write ``size`` articles into a new folder ``root``; returns one spare record for 'add one'."""
    articles = root / "content" / "articles"
    articles.mkdir(parents=True)
    (root / "briefgen.yaml").write_text("title: Scale benchmark\nsearch: false\n", encoding="utf-8")
    chosen = [perturb(records[i % len(records)], i // len(records)) for i in range(size + 1)]
    for record in chosen[:size]:
        (articles / f"{record['id']}.md").write_text(article_markdown(record), encoding="utf-8")
    return chosen[size:]


def timed_build(root: Path, jobs: int) -> dict:
    """One build in a child process: wall time, stage times and peak RSS (MiB)."""
    # As installed for use: Python's bytecode cache on (some sandboxes turn it off).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(jobs)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    started = time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    out, err = process.stdout.read(), process.stderr.read()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"build failed in {root}:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall"] = wall
    result["rss_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def edit_one_briefing(root: Path) -> None:
    path = sorted((root / "content" / "briefings").glob("*.yaml"))[0]
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^title: (.*)$", r"title: \1 (edited)", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def run_size(workdir: Path, records: list[dict], size: int, runs: int, jobs: int) -> dict:
    results: dict[str, list[dict]] = {name: [] for name in SCENARIOS}
    for run in range(runs):
        root = workdir / f"project-{size}-{run + 1}"
        spare = make_project(root, records, size)
        results["cold"].append(timed_build(root, jobs))
        results["no_change"].append(timed_build(root, jobs))
        extra = dict(spare[0], id=f"{spare[0]['id']}-added{run}")
        (root / "content" / "articles" / f"{extra['id']}.md").write_text(article_markdown(extra),
                                                                        encoding="utf-8")
        results["add_one"].append(timed_build(root, jobs))
        edit_one_briefing(root)
        results["edit_yaml"].append(timed_build(root, jobs))
        print(f"  {size}: run {run + 1}/{runs} cold {results['cold'][-1]['wall']:.2f}s", flush=True)
    summary = {}
    for name, samples in results.items():
        walls = [s["wall"] for s in samples]
        best = samples[walls.index(sorted(walls)[len(walls) // 2])]
        summary[name] = {"seconds": statistics.median(walls), "runs": walls,
                         "rss_mib": max(s["rss_mib"] for s in samples),
                         "stages": best["stages"], "stage_peak_mib": best.get("stage_peak_mib", {}),
                         "briefings": best["briefings"]}
    return summary


def pelican_time(workdir: Path, records: list[dict], size: int) -> float:
    """Pelican rendering the same articles as plain Markdown pages, in its own venv."""
    venv = workdir / "pelican-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pelican==4.12.*", "markdown"], check=True)
    site = workdir / f"pelican-{size}"
    content = site / "content"
    content.mkdir(parents=True)
    for index, record in enumerate(records[:size]):
        title = " ".join(record["title"].split()) or record["id"]
        day = record.get("published") or "2000-01-01"
        (content / f"a{index}.md").write_text(
            f"Title: {title}\nDate: {day[:10]}\nSlug: a{index}\n\n{record['text']}\n", encoding="utf-8")
    (site / "pelicanconf.py").write_text("SITENAME='bench'\nTIMEZONE='UTC'\nFEED_ALL_ATOM=None\n"
                                         "CATEGORY_FEED_ATOM=None\nRELATIVE_URLS=True\n", encoding="utf-8")
    started = time.perf_counter()
    subprocess.run([str(venv / "bin" / "pelican"), str(content), "-o", str(site / "output"),
                    "-s", str(site / "pelicanconf.py"), "-q"], check=True)
    return time.perf_counter() - started


def markdown_table(all_results: dict[int, dict], pelican: dict[int, float]) -> str:
    lines = ["| articles | briefings | cold build (range) | no-change rebuild | add one article | edit one YAML "
             "| peak RSS | stage shares (cold) | Pelican (same articles) |",
             "|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for size, summary in sorted(all_results.items()):
        cold = summary["cold"]
        total = sum(cold["stages"].values()) or 1.0
        shares = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in cold["stages"].items())
        rss = max(s["rss_mib"] for s in summary.values())
        ratio = (f"{pelican[size]:.1f} s (briefgen takes {cold['seconds'] / pelican[size]:.1f}x as long)"
                 if size in pelican else "-")
        spread = cold.get("runs", [])
        spread = f" ({min(spread):.1f}-{max(spread):.1f})" if len(spread) > 1 else ""
        lines.append(f"| {size:,} | {cold['briefings']:,} | {cold['seconds']:.2f} s{spread} "
                     f"| {summary['no_change']['seconds']:.2f} s | {summary['add_one']['seconds']:.2f} s "
                     f"| {summary['edit_yaml']['seconds']:.2f} s | {rss:.0f} MiB | {shares} | {ratio} |")
    lines += ["", "Where each rebuild's time goes (seconds per stage; the rest is start-up and the "
              "change check):", "",
              "| articles | rebuild | " + " | ".join(STAGES) + " | peak RSS by stage (MiB) |",
              "|---:|---|" + "---:|" * len(STAGES) + "---|"]
    for size, summary in sorted(all_results.items()):
        for name in SCENARIOS:
            stages = summary[name]["stages"]
            if not stages:
                continue  # up to date: no stage ran
            peaks = summary[name].get("stage_peak_mib", {})
            lines.append(f"| {size:,} | {name.replace('_', ' ')} | "
                         + " | ".join(f"{stages.get(stage, 0.0):.2f}" for stage in STAGES)
                         + " | " + ", ".join(f"{stage} {peaks[stage]:.0f}" for stage in STAGES if stage in peaks)
                         + " |")
    return "\n".join(lines)


#: When ext4 creates a file it passes over inodes freed in the last minute (six
#: while their table block is unwritten), so in the minutes after a large
#: project is deleted every new file costs a scan: 6-10 s more on a cold 10k
#: build here, 30 s at 100k. Builds are therefore timed in folders created for
#: them, old ones are deleted only at the end, and a start that had leftovers
#: to delete flushes the disk and waits this long first.
INODE_COOLDOWN = 65


def remove_projects(workdir: Path) -> bool:
    """Delete the projects and Pelican sites of a run (not Pelican's venv); True if any."""
    leftovers = [*workdir.glob("project-*"), *(p for p in workdir.glob("pelican-*") if p.name != "pelican-venv")]
    for path in leftovers:
        shutil.rmtree(path)
    return bool(leftovers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated article counts")
    parser.add_argument("--runs", type=int, default=3, help="runs per size below 100k (median reported)")
    parser.add_argument("--jobs", type=int, default=0, help="worker processes (0 = one per core)")
    parser.add_argument("--pelican", action="store_true", help="also time Pelican at sizes up to 10k")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/briefgen-scale"))
    parser.add_argument("--json", type=Path, help="write raw results here")
    args = parser.parse_args(argv)
    if not (CORPUS / "reuters21578").is_dir():
        print(f"needs the corpora in {CORPUS}", file=sys.stderr)
        return 2
    args.workdir.mkdir(parents=True, exist_ok=True)
    if remove_projects(args.workdir):
        print(f"removed an earlier run's projects; waiting {INODE_COOLDOWN} s for the file "
              "system to settle", flush=True)
        os.sync()
        time.sleep(INODE_COOLDOWN)
    records = load_records()
    all_results, pelican = {}, {}
    for size in (int(s) for s in args.sizes.split(",")):
        runs = args.runs if size < 100_000 else 1
        print(f"{size} articles, {runs} run(s)", flush=True)
        all_results[size] = run_size(args.workdir, records, size, runs, args.jobs)
        if args.pelican and size <= 10_000:
            pelican[size] = pelican_time(args.workdir, records, size)
    print(f"\nmachine: {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
    print(markdown_table(all_results, pelican))
    if args.json:
        args.json.write_text(json.dumps({"results": all_results, "pelican": pelican}, indent=2))
    remove_projects(args.workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
