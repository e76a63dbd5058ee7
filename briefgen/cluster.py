"""Group articles into stories, and mark wire copies inside each story.

Plain TF-IDF cosine with one threshold confuses two kinds of pairs: two
reports of one shooting written in different words, and two reports of
different shootings in the same city, both "police said ... Monday". So a pair
of articles is judged on several signals, each cheap to compute from one
sparse TF-IDF pass:

- cosine of the whole text (title counted once more than the body), with
  proper names weighted above common words;
- cosine of the names alone, of the numbers alone, and of the titles alone;
- a *local* cosine in which words shared by all of an article's neighbours
  count for little: two quakes in Aceh and Papua share "Indonesia, quake,
  magnitude", and only "Aceh" vs "Papua" tells them apart;
- days apart (reports of one story cluster in time) and same publisher
  (a site's reports of different events share its phrasing).

A logistic model with a handful of fixed weights (``PAIR_WEIGHTS``) turns
these into the probability that the two report the same story; stories are
then formed by average linkage over those probabilities, which, unlike
connected components, does not chain unrelated reports through one vague one.

Scale: no article is compared with every other. Each article's vector is cut
to its heaviest terms and multiplied with the articles near it in time (sparse
products in blocks), keeping its top few neighbours; only those pairs are
scored and linked. Time and memory grow with the number of articles times the
neighbours kept, not with its square.

Page furniture repeated across a publisher's pages ("Please enable
Javascript", newsletter blurbs) is dropped before counting words, so it
cannot make different stories from one site look alike.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
from dataclasses import dataclass

import numpy as np

from .config import Settings
from .models import Article, Story

#: Articles must be this likely to report the same story (average over the
#: pairs of two groups) to be merged; ``settings.similarity`` overrides it.
DEFAULT_THRESHOLD = 0.4
#: Cosine above which two texts are the same report (a wire copy), not two reports.
COPY_SIMILARITY = 0.85
#: Reports up to ``window_days`` apart are compared freely; further apart they
#: need stronger evidence, and beyond this many windows they are never compared.
HORIZON_WINDOWS = 8
#: Neighbours kept per article when looking for candidate pairs.
NEIGHBOURS = 20
#: Terms of each vector kept when looking for candidates (not when scoring).
PRUNED_TERMS = 64
#: An article's neighbourhood for the local weighting.
LOCAL_NEIGHBOURS = 20
#: A paragraph repeated in this many articles of one publisher is furniture.
FURNITURE_PER_SOURCE = 3
#: ...or in this many articles of any publishers.
FURNITURE_ANYWHERE = 20
#: Share of a word's occurrences written with a capital for it to count as a name.
NAME_SHARE = 0.5

#: Logistic weights of the pair signals, fitted once on the development
#: corpora (candidate pairs of ``gva`` and ``ecbplus``, each corpus weighted
#: equally) and fixed here; see ``_pair_signals`` for the order.
PAIR_WEIGHTS = {
    "text": 6.13,
    "names": 5.97,
    "numbers": 4.29,
    "titles": -1.27,
    "local": 7.11,
    "weeks_apart": -2.32,
    "both_dated": 1.44,
    "same_source": -1.99,
}
PAIR_BIAS = -4.61

TOKEN_PATTERN = r"(?u)\b[^\W_][^\W_]+\b"
_WORD = re.compile(TOKEN_PATTERN)
_LINE_BREAK = re.compile(r"\n")
_SPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------
# Text to vectors


def _paragraph_key(paragraph: str) -> bytes:
    return hashlib.blake2b(_SPACE.sub(" ", paragraph.lower()).encode("utf-8"),
                           digest_size=8).digest()


def strip_furniture(articles: list[Article]) -> list[str]:
    """Bodies without paragraphs a publisher repeats on many pages.

    A story's own sentences rarely appear on three pages of one site, or on
    twenty pages of any sites; "Please enable Javascript to watch this video"
    does. Lines are compared whole (case and spacing ignored).
    """
    split = [[line.strip() for line in _LINE_BREAK.split(a.text) if line.strip()] for a in articles]
    keys = [[_paragraph_key(line) for line in lines] for lines in split]
    anywhere: dict[bytes, int] = {}
    per_source: dict[tuple[str, bytes], int] = {}
    for article, doc_keys in zip(articles, keys):
        for key in set(doc_keys):
            anywhere[key] = anywhere.get(key, 0) + 1
            if article.source:
                per_source[article.source, key] = per_source.get((article.source, key), 0) + 1
    bodies = []
    for article, lines, doc_keys in zip(articles, split, keys):
        kept = [line for line, key in zip(lines, doc_keys)
                if anywhere[key] < FURNITURE_ANYWHERE
                and not (article.source and per_source[article.source, key] >= FURNITURE_PER_SOURCE)]
        bodies.append("\n".join(kept))
    return bodies


@dataclass
class Vectors:
    """The sparse views of the articles that the pair signals are computed from."""

    text: object  # csr, rows L2-normalised: title + body, names weighted up
    bodies: object  # csr, rows L2-normalised: body words only, plain idf (wire copies)
    titles: object  # csr, rows L2-normalised: title words only
    local: object  # csr, rows L2-normalised: ``text`` re-weighted against neighbours
    name_columns: np.ndarray  # float mask over ``text`` columns: names
    number_columns: np.ndarray  # float mask over ``text`` columns: numbers
    idf: np.ndarray  # per ``text`` column
    name_norms: np.ndarray  # per row: norm of the ``text`` row restricted to names
    number_norms: np.ndarray


def _normalise_rows(matrix):
    from scipy import sparse

    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags((1.0 / norms).astype(np.float32)) @ matrix).tocsr()


def vectorize(articles: list[Article]) -> Vectors:
    """One tokenisation pass, case kept, then folded to lower case by a sparse product.

    Keeping case tells names ("Aceh", "Rahman") from common words, by the
    share of each word's occurrences that are capitalised across the corpus.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    n = len(articles)
    bodies = strip_furniture(articles)
    titles = [a.title for a in articles]
    counter = CountVectorizer(lowercase=False, token_pattern=TOKEN_PATTERN, dtype=np.float32)
    cased = counter.fit_transform([t + "\n" + b for t, b in zip(titles, bodies)] + titles).tocsr()
    spellings = counter.get_feature_names_out()
    terms, column = np.unique(np.array([w.lower() for w in spellings], dtype=object),
                              return_inverse=True)
    fold = sparse.csr_matrix((np.ones(len(spellings), dtype=np.float32),
                              (np.arange(len(spellings)), column)), shape=(len(spellings), len(terms)))
    capitalised = sparse.diags(np.array([w[:1].isupper() for w in spellings], dtype=np.float32))
    counts = (cased[:n] @ fold).tocsr()
    title_counts = (cased[n:] @ fold).tocsr()
    occurrences = np.asarray(counts.sum(axis=0)).ravel()
    capital_occurrences = np.asarray((cased[:n] @ capitalised @ fold).sum(axis=0)).ravel()
    name_share = np.divide(capital_occurrences, occurrences, out=np.zeros_like(occurrences),
                           where=occurrences > 0)
    is_number = np.array([t.isdigit() for t in terms])
    is_stop = np.array([t in ENGLISH_STOP_WORDS for t in terms])
    document_frequency = np.diff(counts.tocsc().indptr).astype(np.float64)
    idf = np.log((1 + n) / (1 + document_frequency)) + 1.0
    idf[is_stop] = 0.0

    tf = counts.copy()
    tf.data = 1.0 + np.log(tf.data)
    in_title = title_counts.copy()
    in_title.data = np.ones_like(in_title.data)
    weight = (idf * (1.0 + name_share)).astype(np.float32)
    text = _normalise_rows((tf + in_title) @ sparse.diags(weight))
    title_vectors = _normalise_rows(in_title @ sparse.diags(idf.astype(np.float32)))
    name_columns = ((name_share >= NAME_SHARE) & ~is_number).astype(np.float32)
    number_columns = is_number.astype(np.float32)
    squared = text.multiply(text).tocsr()
    name_norms = np.sqrt(np.asarray(squared @ name_columns).ravel())
    number_norms = np.sqrt(np.asarray(squared @ number_columns).ravel())
    bodies_only = _normalise_rows(tf @ sparse.diags(idf.astype(np.float32)))
    return Vectors(text=text, bodies=bodies_only, titles=title_vectors, local=None, name_columns=name_columns,
                   number_columns=number_columns, idf=idf, name_norms=name_norms, number_norms=number_norms)


# --------------------------------------------------------------------------
# Candidate pairs


def _prune(matrix, keep: int):
    """Each row cut to its ``keep`` heaviest terms: enough to find neighbours."""
    from scipy import sparse

    indptr, data = matrix.indptr, matrix.data
    lengths = np.diff(indptr)
    if lengths.max(initial=0) <= keep:
        return matrix
    mask = np.repeat(lengths <= keep, lengths)
    for row in np.nonzero(lengths > keep)[0]:
        start, end = indptr[row], indptr[row + 1]
        mask[np.argpartition(-data[start:end], keep - 1)[:keep] + start] = True
    rows = np.repeat(np.arange(matrix.shape[0]), lengths)[mask]
    pruned = sparse.csr_matrix((data[mask], (rows, matrix.indices[mask])), shape=matrix.shape)
    pruned.sort_indices()
    return pruned


def _top_per_row(sims, keep: int) -> np.ndarray:
    """Mask over ``sims.data`` keeping each row's ``keep`` largest (ties: lower column)."""
    lengths = np.diff(sims.indptr)
    mask = np.ones(len(sims.data), dtype=bool)
    for row in np.nonzero(lengths > keep)[0]:
        start, end = sims.indptr[row], sims.indptr[row + 1]
        order = np.lexsort((sims.indices[start:end], -sims.data[start:end]))
        mask[start:end] = False
        mask[order[:keep] + start] = True
    return mask


def candidate_pairs(text, days: np.ndarray, horizon: int, neighbours: int = NEIGHBOURS,
                    block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) where one is among the other's nearest neighbours.

    Dated articles are compared only with articles at most ``horizon`` days
    away (plus undated ones); undated ones with everything. Each block of rows
    is one sparse product against the articles in its time range.
    """
    n = text.shape[0]
    pruned = _prune(text, PRUNED_TERMS)
    dated = np.nonzero(days >= 0)[0]
    dated = dated[np.argsort(days[dated], kind="stable")]
    undated = np.nonzero(days < 0)[0]
    sorted_days = days[dated]
    found: list[np.ndarray] = []

    def nearest(rows: np.ndarray, cols: np.ndarray) -> None:
        if len(rows) == 0 or len(cols) == 0:
            return
        sims = (pruned[rows] @ pruned[cols].T).tocsr()
        sims.sort_indices()
        mask = _top_per_row(sims, neighbours + 1)
        left = rows[np.repeat(np.arange(len(rows)), np.diff(sims.indptr))[mask]]
        right = cols[sims.indices[mask]]
        distinct = left != right
        left, right = left[distinct], right[distinct]
        found.append(np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right))

    for start in range(0, len(dated), block):
        rows = dated[start:start + block]
        low = np.searchsorted(sorted_days, days[rows[0]] - horizon, side="left")
        high = np.searchsorted(sorted_days, days[rows[-1]] + horizon, side="right")
        nearest(rows, np.concatenate([dated[low:high], undated]))
    for start in range(0, len(undated), block):
        nearest(undated[start:start + block], np.arange(n))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = np.unique(np.concatenate(found))
    left, right = codes // n, codes % n
    if len(dated):
        both = (days[left] >= 0) & (days[right] >= 0)
        near = ~both | (np.abs(days[left] - days[right]) <= horizon)
        left, right = left[near], right[near]
    return left, right


# --------------------------------------------------------------------------
# Pair signals


def pair_dot(matrix, left: np.ndarray, right: np.ndarray, step: int = 50_000) -> np.ndarray:
    """Row-wise dot products of the given pairs, in chunks to bound memory."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), step):
        a = matrix[left[start:start + step]]
        b = matrix[right[start:start + step]]
        out[start:start + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def _masked_cosines(text, left, right, columns, norms, step: int = 50_000) -> np.ndarray:
    """Cosine of the pairs restricted to some columns (names, numbers)."""
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), step):
        a = text[left[start:start + step]]
        b = text[right[start:start + step]]
        out[start:start + step] = np.asarray(a.multiply(b) @ columns).ravel()
    denominator = norms[left] * norms[right]
    return np.divide(out, denominator, out=np.zeros_like(out), where=denominator > 0)


def local_vectors(text, left, right, sims, neighbours: int = LOCAL_NEIGHBOURS):
    """``text`` with each word re-weighted by how rare it is among the article's neighbours.

    Weight log((k + 1) / (d + 1)) where k is the neighbourhood size (the
    article and its ``neighbours`` most similar candidates) and d how many of
    them use the word: the vocabulary of a whole topic fades, what sets one
    event apart from its twin stays.
    """
    from scipy import sparse

    n = text.shape[0]
    rows = np.concatenate([left, right])
    cols = np.concatenate([right, left])
    vals = np.concatenate([sims, sims])
    graph = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    graph.sort_indices()
    keep = _top_per_row(graph, neighbours)
    kept_rows = np.repeat(np.arange(n), np.diff(graph.indptr))[keep]
    adjacency = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32),
                                   (kept_rows, graph.indices[keep])), shape=(n, n))
    adjacency = (adjacency + sparse.identity(n, dtype=np.float32, format="csr")).tocsr()
    size = np.asarray(adjacency.sum(axis=1)).ravel()
    present = text.copy()
    present.data = np.ones_like(present.data)
    local = text.copy().tocsr()
    local.sort_indices()
    step = 4096
    weights = np.empty(len(local.data), dtype=np.float32)
    for start in range(0, n, step):
        stop = min(n, start + step)
        counts = (adjacency[start:stop] @ present).multiply(present[start:stop]).tocsr()
        counts.sort_indices()
        # same sparsity pattern as the rows of ``text``
        lo, hi = local.indptr[start], local.indptr[stop]
        row_size = np.repeat(size[start:stop], np.diff(counts.indptr))
        weights[lo:hi] = np.log((row_size + 1.0) / (counts.data + 1.0))
    local.data = local.data * weights
    return _normalise_rows(local)


def _shared_rare_words(vectors: Vectors, left, right, step: int = 50_000):
    """Per pair: the idf of the rarest word both use, scaled to [0, 1], and how many
    words both use that are among the rarest of the collection (names, streets)."""
    idf = vectors.idf.astype(np.float64)
    top = idf.max() if len(idf) else 1.0
    rare = (idf >= top - math.log(8)).astype(np.float32)  # used by at most ~8 articles
    rarest = np.zeros(len(left))
    count = np.zeros(len(left))
    for start in range(0, len(left), step):
        shared = vectors.text[left[start:start + step]].multiply(vectors.text[right[start:start + step]]).tocsr()
        shared.data = np.ones_like(shared.data)
        count[start:start + step] = np.asarray(shared @ rare).ravel()
        weighted = (shared @ sparse_diag(idf)).tocsr()
        rarest[start:start + step] = np.asarray(weighted.max(axis=1).todense()).ravel()
    return rarest / top, np.log1p(count)


def sparse_diag(values):
    from scipy import sparse
    return sparse.diags(values)


def _pair_signals(vectors: Vectors, articles: list[Article], days: np.ndarray, window: int,
                  left: np.ndarray, right: np.ndarray) -> dict[str, np.ndarray]:
    text_cosine = pair_dot(vectors.text, left, right)
    if vectors.local is None:
        vectors.local = local_vectors(vectors.text, left, right, text_cosine)
    both_dated = (days[left] >= 0) & (days[right] >= 0)
    weeks = np.where(both_dated, np.log1p(np.abs(days[left] - days[right]) / max(window, 1)), 0.0)
    sources = [a.source or "" for a in articles]
    same_source = np.array([sources[i] != "" and sources[i] == sources[j]
                            for i, j in zip(left.tolist(), right.tolist())], dtype=np.float64)
    rarest, shared_rare = _shared_rare_words(vectors, left, right)
    return {
        "rarest_shared": rarest,
        "shared_rare": shared_rare,
        "text": text_cosine,
        "names": _masked_cosines(vectors.text, left, right, vectors.name_columns, vectors.name_norms),
        "numbers": _masked_cosines(vectors.text, left, right, vectors.number_columns,
                                   vectors.number_norms),
        "titles": pair_dot(vectors.titles, left, right),
        "local": pair_dot(vectors.local, left, right),
        "weeks_apart": weeks,
        "both_dated": both_dated.astype(np.float64),
        "same_source": same_source,
    }


def same_story_probability(signals: dict[str, np.ndarray]) -> np.ndarray:
    score = np.full(len(signals["text"]), PAIR_BIAS, dtype=np.float64)
    for name, weight in PAIR_WEIGHTS.items():
        score += weight * signals[name]
    return 1.0 / (1.0 + np.exp(-score))


# --------------------------------------------------------------------------
# Linking


def average_linkage(n: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray,
                    threshold: float) -> list[int]:
    """Agglomerative clustering with average linkage over a sparse pair graph.

    The link between two groups is the sum of their pairs' weights divided by
    the number of pairs; pairs never scored count as 0. Groups merge best link
    first while it reaches ``threshold``. Returns a label (a member index) per item.
    """
    links: list[dict[int, float]] = [dict() for _ in range(n)]
    heap = []
    for i, j, w in zip(left.tolist(), right.tolist(), weights.tolist()):
        if w <= 0:
            continue
        links[i][j] = w
        links[j][i] = w
        if w >= threshold:
            heap.append((-w, i, j, 0, 0))
    heapq.heapify(heap)
    size = [1] * n
    version = [0] * n
    members = [[i] for i in range(n)]
    while heap:
        _, a, b, version_a, version_b = heapq.heappop(heap)
        if version[a] != version_a or version[b] != version_b or not members[a] or not members[b]:
            continue
        if size[b] > size[a] or (size[b] == size[a] and b < a):
            a, b = b, a
        for c, w in links[b].items():
            if c != a:
                total = links[a].get(c, 0.0) + w
                links[a][c] = total
                links[c][a] = total
                del links[c][b]
        links[a].pop(b, None)
        links[b] = {}
        size[a] += size[b]
        members[a].extend(members[b])
        members[b] = []
        version[a] += 1
        version[b] += 1
        for c, w in links[a].items():
            link = w / (size[a] * size[c])
            if link >= threshold:
                low, high = (a, c) if a < c else (c, a)
                heapq.heappush(heap, (-link, low, high, version[low], version[high]))
    labels = [0] * n
    for root, group in enumerate(members):
        for i in group:
            labels[i] = root
    return labels


def _copy_groups(articles: list[Article], days: np.ndarray, left, right, text_cosine,
                 labels: list[int]) -> list[int]:
    """For each article, the earliest article of its group of near-identical texts."""
    n = len(articles)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, s in zip(left.tolist(), right.tolist(), text_cosine.tolist()):
        if s >= COPY_SIMILARITY and labels[i] == labels[j]:
            root_i, root_j = find(i), find(j)
            if root_i != root_j:
                parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    original = list(range(n))
    for group in groups.values():
        if len(group) > 1:
            first = min(group, key=lambda i: (days[i] < 0, days[i], articles[i].id))
            for i in group:
                original[i] = first
    return original


def cluster(articles: list[Article], settings: Settings) -> list[Story]:
    """Stories of ``articles``: sorted by first article id, ids sorted within.

    The result does not depend on the order of ``articles``.
    """
    ordered = sorted(articles, key=lambda a: a.id)
    n = len(ordered)
    if n == 0:
        return []
    threshold = settings.similarity or DEFAULT_THRESHOLD
    window = max(int(settings.window_days), 0)
    days = np.array([a.published.toordinal() if a.published else -1 for a in ordered],
                    dtype=np.int64)
    if not any(_WORD.search(a.title) or _WORD.search(a.text) for a in ordered):
        return [Story(article_ids=[a.id]) for a in ordered]  # no words to compare
    vectors = vectorize(ordered)
    left, right = candidate_pairs(vectors.text, days, horizon=HORIZON_WINDOWS * max(window, 1))
    signals = _pair_signals(vectors, ordered, days, window, left, right)
    probability = same_story_probability(signals)
    body_cosine = pair_dot(vectors.bodies, left, right)
    probability[body_cosine >= COPY_SIMILARITY] = 1.0  # one report is one story
    labels = average_linkage(n, left, right, probability, threshold)
    original = _copy_groups(ordered, days, left, right, body_cosine, labels)
    groups: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, []).append(i)
    stories = []
    for members in groups.values():
        story_copies = {ordered[i].id: ordered[original[i]].id for i in members if original[i] != i}
        stories.append(Story(article_ids=sorted(ordered[i].id for i in members),
                             copies=dict(sorted(story_copies.items()))))
    stories.sort(key=lambda story: story.article_ids[0])
    return stories
