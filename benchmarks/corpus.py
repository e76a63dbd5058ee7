"""Read a shared corpus and write it out as a scratch briefgen project.

The corpora in ``../shared/corpus/<name>/`` are JSON lines; briefgen reads
folders of articles. Writing them as ``.md`` files with YAML front matter lets
a benchmark run the real ``briefgen build`` on them, exactly as a user would.
Fields a record lacks are left out of the front matter, so nothing is invented.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date
from pathlib import Path

import yaml

#: Corpus ids become file names; anything else is refused.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

#: Front-matter fields taken from a corpus record, in the order they are written.
FRONT_MATTER_FIELDS = ("title", "source", "url", "published")


def read_jsonl(path: Path) -> list[dict]:
    """Every record of a JSON-lines file, skipping blank lines."""
    with Path(path).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_gold(corpus_dir: Path) -> dict[str, str]:
    """Article id -> story id from ``gold.jsonl``."""
    return {row["id"]: str(row["story"]) for row in read_jsonl(Path(corpus_dir) / "gold.jsonl")}


def sample_records(records: list[dict], gold: dict[str, str], limit: int | None,
                   seed: int = 0) -> list[dict]:
    """At most ``limit`` records, taken whole story by whole story.

    Stories are shuffled with a fixed seed and taken until the limit is
    reached, so a sample keeps complete stories (a half story would make the
    clustering look worse than it is) and the same arguments give the same sample.
    """
    if limit is None or limit >= len(records):
        return sorted(records, key=lambda record: record["id"])
    by_story: dict[str, list[dict]] = {}
    for record in records:
        by_story.setdefault(gold.get(record["id"], "\0" + record["id"]), []).append(record)
    stories = sorted(by_story)
    random.Random(seed).shuffle(stories)
    chosen: list[dict] = []
    for story in stories:
        members = by_story[story]
        if len(chosen) + len(members) > limit:
            continue
        chosen.extend(members)
        if len(chosen) == limit:
            break
    return sorted(chosen, key=lambda record: record["id"])


def front_matter(record: dict) -> dict:
    """The record's metadata as front matter; missing (null) fields are omitted."""
    meta = {}
    for name in FRONT_MATTER_FIELDS:
        value = record.get(name)
        if value is None or value == "":
            continue
        if name == "published":
            value = date.fromisoformat(str(value)[:10])
        meta[name] = value
    return meta


def article_markdown(record: dict) -> str:
    """One ``.md`` article: YAML front matter, a blank line, then the body."""
    header = yaml.safe_dump(front_matter(record), allow_unicode=True, sort_keys=False,
                            default_flow_style=False, width=10_000)
    return f"---\n{header}---\n\n{record.get('text') or ''}\n"


def write_project(corpus_dir: Path, out_dir: Path, limit: int | None = None,
                  seed: int = 0) -> list[str]:
    """Write a corpus as ``out_dir/content/articles/<id>.md``; returns the ids written."""
    corpus_dir = Path(corpus_dir)
    records = read_jsonl(corpus_dir / "articles.jsonl")
    gold_path = corpus_dir / "gold.jsonl"
    gold = read_gold(corpus_dir) if gold_path.is_file() else {}
    records = sample_records(records, gold, limit, seed)
    articles_dir = Path(out_dir) / "content" / "articles"
    articles_dir.mkdir(parents=True, exist_ok=True)
    for record in records:
        if not SAFE_ID.fullmatch(str(record["id"])):
            raise ValueError(f"unsafe article id for a file name: {record['id']!r}")
        (articles_dir / f"{record['id']}.md").write_text(article_markdown(record), encoding="utf-8")
    return [record["id"] for record in records]


def load_articles(corpus_dir: Path, limit: int | None = None, seed: int = 0):
    """The corpus as ``Article`` records straight from the JSON lines (no ingest pass).

    For measuring the clusterer alone; ``write_project`` plus a build measures
    the whole pipeline, including what ingest removes from the text.
    """
    corpus_dir = Path(corpus_dir)
    records = read_jsonl(corpus_dir / "articles.jsonl")
    gold_path = corpus_dir / "gold.jsonl"
    gold = read_gold(corpus_dir) if gold_path.is_file() else {}
    return to_articles(sample_records(records, gold, limit, seed))


def perturbed(records: list[dict], copies: int, seed: int = 0, shift_years: bool = True) -> list[dict]:
    """``records`` repeated ``copies`` times, each repeat lightly changed, for scale tests.

    Repeat k (k >= 1) gets ids suffixed ``-k``, one word in twenty of its
    body dropped (seeded), and, with ``shift_years``, dates moved k years on,
    as if the same desk had collected a similar year of news k times; without
    it every repeat lands in the original months, the densest case for the
    clusterer's time window. Repeat 0 is the original.
    """
    rng = random.Random(seed)
    out = [dict(record) for record in records]
    for k in range(1, copies):
        for record in records:
            words = (record.get("text") or "").split(" ")
            kept = [word for word in words if rng.random() >= 0.05]
            copy = dict(record, id=f"{record['id']}-{k}", text=" ".join(kept))
            published = record.get("published")
            if published and shift_years:
                day = date.fromisoformat(str(published)[:10])
                try:
                    day = day.replace(year=day.year + k)
                except ValueError:  # 29 February
                    day = day.replace(year=day.year + k, day=28)
                copy["published"] = day.isoformat()
            out.append(copy)
    return out


def to_articles(records: list[dict]):
    """Corpus records as ``Article`` records (no ingest pass)."""
    from briefgen.models import Article

    articles = []
    for record in records:
        published = record.get("published")
        articles.append(Article(
            id=record["id"], path=f"content/articles/{record['id']}.md",
            title=record.get("title") or "", text=record.get("text") or "",
            source=record.get("source"), url=record.get("url"),
            published=date.fromisoformat(str(published)[:10]) if published else None,
        ))
    return articles
