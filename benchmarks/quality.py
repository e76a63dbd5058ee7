"""Measure briefing quality on a shared corpus: grouping, headline tolls, figures, provenance.

    python benchmarks/quality.py ../shared/corpus/gva [--limit N] [--keep DIR] [--json]

Writes the corpus as ``.md`` articles into a scratch project, runs the real
``briefgen build --project DIR`` on it, reads ``site/briefings.json`` and
scores it against the corpus's truth files:

grouping (``gold.jsonl``)
    B-cubed precision/recall/F1 and pairwise precision/recall/F1 of the
    briefings' article lists. An article in no briefing counts as a story of
    its own.
headline tolls (``stories.jsonl``, gva)
    Each gold story is mapped to the briefing holding most of its articles
    (ties: the briefing listed first). Its headline killed (injured) value is
    the largest ``killed`` (``injured``) figure that briefing reports, 0 when
    it reports none. A story is scored when its official count *appears* in
    its articles: the count is above 0 and, in the title or text of at least
    one of its articles, either its digits occur as a whole number (``4``,
    ``1,200``; not inside ``14`` or ``4.5``) or its English number word does
    (``four``, ``twenty-seven``), case ignored. Accuracy = share of scored
    stories whose headline value equals the official count.
figures (``figures.jsonl``, ecbplus)
    Per-article precision/recall of (article, kind, value) for kinds killed
    and injured. Items the annotation lists under ``background`` count
    neither way. An article absent from ``figures.jsonl`` mentions no deaths
    or injuries (that is how the file was made), so a figure cited to it is a
    false positive.
provenance
    Share of all figures in ``briefings.json`` whose ``quote`` occurs verbatim
    (whitespace runs compared as one space) in the cited article's title or
    text as the corpus holds it, and states the figure's value (digits or
    number word as above, and for 1 also "a"/"an": "a girl was killed").

When ``briefgen build`` cannot run, the grouping is measured by calling
``briefgen.cluster.cluster`` on the corpus directly, and the output says so;
the other scores then cannot be computed.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` and ``briefgen`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import read_jsonl, sample_records, to_articles, write_project
from briefgen.extract.numbers import number_words

HEADLINE_KINDS = ("killed", "injured")

# --------------------------------------------------------------------------
# Grouping scores


def bcubed(predicted: dict[str, object], gold: dict[str, object]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 over the items of ``gold``.

    For each item: precision is the share of its predicted cluster that shares
    its gold story, recall the share of its gold story inside its predicted
    cluster; both are averaged over items.
    """
    ids = sorted(gold)
    if not ids:
        return 1.0, 1.0, 1.0
    pred_size = Counter(predicted[i] for i in ids)
    gold_size = Counter(gold[i] for i in ids)
    both = Counter((predicted[i], gold[i]) for i in ids)
    precision = sum(both[predicted[i], gold[i]] / pred_size[predicted[i]] for i in ids) / len(ids)
    recall = sum(both[predicted[i], gold[i]] / gold_size[gold[i]] for i in ids) / len(ids)
    return precision, recall, _f1(precision, recall)


def pairwise(predicted: dict[str, object], gold: dict[str, object]) -> tuple[float, float, float]:
    """Precision, recall and F1 over the pairs of items put together."""
    ids = sorted(gold)

    def pairs(counts: Counter) -> int:
        return sum(k * (k - 1) // 2 for k in counts.values())

    together_both = pairs(Counter((predicted[i], gold[i]) for i in ids))
    together_predicted = pairs(Counter(predicted[i] for i in ids))
    together_gold = pairs(Counter(gold[i] for i in ids))
    precision = together_both / together_predicted if together_predicted else 1.0
    recall = together_both / together_gold if together_gold else 1.0
    return precision, recall, _f1(precision, recall)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def labels_from_groups(groups: list[list[str]], ids: list[str]) -> dict[str, object]:
    """Article id -> group label; an id in no group is a group of its own."""
    labels: dict[str, object] = {}
    for number, members in enumerate(groups):
        for article_id in members:
            labels.setdefault(article_id, number)
    for article_id in ids:
        labels.setdefault(article_id, ("alone", article_id))
    return labels


# --------------------------------------------------------------------------
# Numbers as the text may write them

def _digits_pattern(value: int) -> str:
    plain = str(value)
    grouped = f"{value:,}"
    spaced = grouped.replace(",", ", ")  # ecbplus is tokenized: "230, 000"
    forms = sorted({plain, grouped, spaced}, key=len, reverse=True)
    return "|".join(re.escape(form) for form in forms)


def states_value(text: str, value: int, article_is_one: bool = False) -> bool:
    """Does ``text`` write ``value``, in digits (a whole number) or in words?

    With ``article_is_one``, "a" or "an" also state 1 ("a 10-year-old girl
    was killed"): right for a figure's own quote, far too lenient for asking
    whether a count appears anywhere in an article.
    """
    if value == 1 and article_is_one and re.search(r"\b(?:a|an)\b", text, re.IGNORECASE):
        return True
    digits = rf"(?<![\d.,:])(?:{_digits_pattern(value)})(?![\d:]|[.,]\d)"
    if re.search(digits, text):
        return True
    words = number_words(value)
    if words is None:
        return False
    spelled = r"[\s-]+".join(re.escape(part) for part in re.split(r"[\s-]+", words))
    return re.search(rf"(?<![a-z]){spelled}(?![a-z])", text, re.IGNORECASE) is not None


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------
# Scores from briefings.json


def headline_accuracy(briefings: list[dict], gold: dict[str, str], stories: list[dict],
                      texts: dict[str, str]) -> dict[str, dict]:
    """Killed/injured headline accuracy over the stories whose count appears."""
    holder: dict[str, Counter] = {}
    order = {b["id"]: k for k, b in enumerate(briefings)}
    for briefing in briefings:
        for article_id in briefing.get("articles", []):
            if article_id in gold:
                holder.setdefault(gold[article_id], Counter())[briefing["id"]] += 1
    by_id = {b["id"]: b for b in briefings}
    members: dict[str, list[str]] = {}
    for article_id, story in gold.items():
        members.setdefault(story, []).append(article_id)
    result = {}
    for kind in HEADLINE_KINDS:
        scored = right = 0
        for story in stories:
            official = story.get(kind)
            key = str(story["story"])
            if not isinstance(official, int) or official <= 0 or key not in members:
                continue
            if not any(states_value(texts.get(a, ""), official) for a in members[key]):
                continue
            scored += 1
            counts = holder.get(key)
            if not counts:
                continue
            best = min(counts, key=lambda b: (-counts[b], order[b]))
            values = [f["value"] for f in by_id[best].get("figures", []) if f.get("kind") == kind]
            if (max(values) if values else 0) == official:
                right += 1
        result[kind] = {"stories": scored, "right": right,
                        "accuracy": right / scored if scored else None}
    return result


def figure_scores(briefings: list[dict], annotation: list[dict]) -> dict[str, float | int]:
    """Per-article (article, kind, value) precision and recall against ``figures.jsonl``."""
    truth, background = set(), set()
    for row in annotation:
        for item in row.get("figures", []):
            if item["kind"] in HEADLINE_KINDS:
                truth.add((row["id"], item["kind"], int(item["value"])))
        for item in row.get("background", []):
            if item["kind"] in HEADLINE_KINDS:
                background.add((row["id"], item["kind"], int(item["value"])))
    found = {(f["article"], f["kind"], int(f["value"]))
             for b in briefings for f in b.get("figures", []) if f.get("kind") in HEADLINE_KINDS}
    found -= background
    truth -= background
    correct = len(found & truth)
    return {
        "predicted": len(found), "gold": len(truth), "correct": correct,
        "precision": correct / len(found) if found else 1.0,
        "recall": correct / len(truth) if truth else 1.0,
    }


def provenance(briefings: list[dict], texts: dict[str, str]) -> dict[str, float | int]:
    """Share of figures whose quote is verbatim in the cited article and states the value."""
    squashed = {key: _squash(text) for key, text in texts.items()}
    total = good = 0
    failures = []
    for briefing in briefings:
        for figure in briefing.get("figures", []):
            total += 1
            quote = _squash(figure.get("quote") or "")
            source = squashed.get(figure.get("article"), "")
            if quote and quote in source and states_value(quote, int(figure["value"]),
                                                          article_is_one=True):
                good += 1
            elif len(failures) < 5:
                failures.append({"briefing": briefing["id"], "figure": figure.get("id"),
                                 "article": figure.get("article"), "value": figure.get("value"),
                                 "quote": (figure.get("quote") or "")[:160]})
    return {"figures": total, "verbatim": good,
            "share": good / total if total else 1.0, "failures": failures}


# --------------------------------------------------------------------------
# Running a build


def run_build(project: Path) -> tuple[bool, str, float]:
    """``briefgen build --project DIR`` in a subprocess: (succeeded, output, seconds)."""
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "briefgen.cli", "build", "--project", str(project)],
                              capture_output=True, text=True, timeout=3600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc), time.perf_counter() - started
    output = (done.stdout + done.stderr).strip()
    return done.returncode == 0 and (project / "site" / "briefings.json").is_file(), output, \
        time.perf_counter() - started


def measure(corpus_dir: Path, limit: int | None = None, keep: Path | None = None,
            seed: int = 0) -> dict:
    """All scores for one corpus, as a dict (see the module docstring)."""
    corpus_dir = Path(corpus_dir)
    records = read_jsonl(corpus_dir / "articles.jsonl")
    gold_all = {row["id"]: str(row["story"]) for row in read_jsonl(corpus_dir / "gold.jsonl")}
    records = sample_records(records, gold_all, limit, seed)
    ids = [r["id"] for r in records]
    gold = {i: gold_all[i] for i in ids if i in gold_all}
    texts = {r["id"]: f"{r.get('title') or ''}\n{r.get('text') or ''}" for r in records}
    report: dict = {"corpus": corpus_dir.name, "articles": len(ids), "stories": len(set(gold.values()))}

    with tempfile.TemporaryDirectory(prefix="briefgen-quality-") as scratch:
        project = Path(keep) if keep else Path(scratch) / "project"
        write_project(corpus_dir, project, limit=limit, seed=seed)
        ok, output, seconds = run_build(project)
        report["build_seconds"] = round(seconds, 2)
        if ok:
            exported = json.loads((project / "site" / "briefings.json").read_text(encoding="utf-8"))
            briefings = exported.get("briefings", [])
            report["source"] = "briefgen build"
        else:
            from briefgen.cluster import cluster
            from briefgen.config import Settings

            report["source"] = "cluster.cluster (briefgen build failed; other scores unavailable)"
            report["build_output"] = output[-2000:]
            briefings = [{"id": f"s{k}", "articles": story.article_ids, "figures": []}
                         for k, story in enumerate(cluster(to_articles(records), Settings()))]

    labels = labels_from_groups([b.get("articles", []) for b in briefings], ids)
    report["briefings"] = len(briefings)
    report["bcubed"] = dict(zip(("precision", "recall", "f1"), bcubed(labels, gold)))
    report["pairwise"] = dict(zip(("precision", "recall", "f1"), pairwise(labels, gold)))
    if report["source"] != "briefgen build":
        return report
    stories_path = corpus_dir / "stories.jsonl"
    if stories_path.is_file():
        report["headline"] = headline_accuracy(briefings, gold, read_jsonl(stories_path), texts)
    figures_path = corpus_dir / "figures.jsonl"
    if figures_path.is_file():
        sampled = set(ids)
        annotation = [row for row in read_jsonl(figures_path) if row["id"] in sampled]
        report["figures"] = figure_scores(
            [dict(b, figures=[f for f in b.get("figures", []) if f.get("article") in sampled])
             for b in briefings], annotation)
    report["provenance"] = provenance(briefings, texts)
    return report


def format_report(report: dict) -> str:
    """The compact table printed by the command."""
    lines = [(f"corpus {report['corpus']}: {report['articles']} articles, "
              f"{report['stories']} stories, {report['briefings']} briefings "
              f"({report['source']}, {report['build_seconds']}s)")]
    rows = [("grouping B-cubed", report["bcubed"]), ("grouping pairwise", report["pairwise"])]
    for name, scores in rows:
        lines.append(f"  {name:<22} P {scores['precision']:.3f}  R {scores['recall']:.3f}  "
                     f"F1 {scores['f1']:.3f}")
    for kind, scores in report.get("headline", {}).items():
        accuracy = "n/a" if scores["accuracy"] is None else f"{scores['accuracy']:.3f}"
        lines.append(f"  {'headline ' + kind:<22} {accuracy}  ({scores['right']}/{scores['stories']} stories)")
    if "figures" in report:
        f = report["figures"]
        lines.append(f"  {'figures per article':<22} P {f['precision']:.3f}  R {f['recall']:.3f}  "
                     f"({f['correct']} right of {f['predicted']} found, {f['gold']} in gold)")
    if "provenance" in report:
        p = report["provenance"]
        lines.append(f"  {'provenance':<22} {p['share']:.3f}  ({p['verbatim']}/{p['figures']} figures)")
        for failure in p["failures"]:
            lines.append(f"    not verbatim: {failure}")
    if "build_output" in report:
        lines.append("  build output (tail): " + report["build_output"][-500:].replace("\n", "\n    "))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, help="a folder of ../shared/corpus/ (gva, ecbplus, ...)")
    parser.add_argument("--limit", type=int, help="at most N articles, whole stories, fixed seed")
    parser.add_argument("--seed", type=int, default=0, help="seed for --limit's sample")
    parser.add_argument("--keep", type=Path, help="build the scratch project here and keep it")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    if not (args.corpus / "articles.jsonl").is_file() or not (args.corpus / "gold.jsonl").is_file():
        parser.error(f"{args.corpus} holds no articles.jsonl and gold.jsonl")
    report = measure(args.corpus, args.limit, args.keep, args.seed)
    print(json.dumps(report, indent=2, sort_keys=True) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
