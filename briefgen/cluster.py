"""Group articles into stories, and mark wire copies inside each story.

Plain TF-IDF cosine with one threshold confuses two kinds of pairs: two
reports of one shooting written in different words, and two reports of
different shootings in the same city, both "police said ... Monday". So a pair
of articles is judged on several signals, each cheap to compute from one
sparse TF-IDF pass:

- cosine of the whole text (title counted once more than the body), with
  proper names weighted above common words;
- cosine of the names alone, of the numbers alone, of the years alone and of
  the titles alone; how rare the rarest shared word is (a victim's name, a
  street) and how many such words are shared;
- a *local* cosine in which words shared by all of an article's neighbours
  count for little: two quakes in Aceh and Papua share "Indonesia, quake,
  magnitude", and only "Aceh" vs "Papua" tells them apart;
- days apart (reports of one story cluster in time) and same publisher
  (a site's reports of different events share its phrasing).

A logistic model with a handful of fixed weights (``PAIR_WEIGHTS``) turns
these into the log-odds that the two report the same story; stories are then
formed by average linkage over those log-odds, which, unlike connected
components, does not chain unrelated reports through one vague one. The bar
depends on what is being merged: a lone report joins an established story
(``ESTABLISHED_SIZE`` reports or more) on weaker evidence than two lone
reports need to pair up, and two established stories need strong evidence,
since two sizeable groups that formed apart are usually two events of one
kind (two quakes in Indonesia, two arrests of one team's players).

Wire copies (near-identical texts) always share a story; each copy points at
the earliest report of its text.

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
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .config import Settings
from .models import Article, Story
from .pool import map_shared

#: Two small groups merge while the average log-odds of their pairs reporting
#: the same story is at least this (-1.0 is a probability of 0.27); the
#: setting ``similarity`` overrides it.
DEFAULT_EVIDENCE = -1.0
#: A group of this many reports is an established story.
ESTABLISHED_SIZE = 3
#: Two established stories merge only on this average log-odds: their link
#: averages many pairs, so it is a sure measure, and "plausibly alike" there
#: usually means two events of one kind.
ESTABLISHED_EVIDENCE = 0.75
#: A smaller group joins an established story on this average log-odds.
JOINING_EVIDENCE = -2.0
#: Log-odds are clipped to +-this, so one very sure pair cannot outvote many
#: unsure ones; a pair never compared counts as -this.
EVIDENCE_CLIP = 4.0
#: Cosine above which two texts are the same report (a wire copy), not two reports.
COPY_SIMILARITY = 0.85
#: Reports up to ``window_days`` apart are compared freely; further apart they
#: need stronger evidence, and beyond this many windows they are never compared.
HORIZON_WINDOWS = 8
#: Neighbours kept per article when looking for candidate pairs.
NEIGHBOURS = 20
#: Cosine (of the cut vectors) below which two articles are not even candidates.
CANDIDATE_FLOOR = 0.03
#: Terms of each vector kept when looking for candidates (not when scoring).
PRUNED_TERMS = 48
#: Words in more than this share of the articles (and more than
#: ``CANDIDATE_MIN_DF_CAP`` of them) are not used to find candidates.
CANDIDATE_MAX_SHARE = 0.01
CANDIDATE_MIN_DF_CAP = 50
#: An article's neighbourhood for the local weighting.
LOCAL_NEIGHBOURS = 20
#: A paragraph repeated in this many articles of one publisher is furniture.
FURNITURE_PER_SOURCE = 3
#: ...or in this many articles of any publishers.
FURNITURE_ANYWHERE = 20
#: Pairs scored per sparse product: bounds the memory of scoring, whatever the corpus size.
PAIR_CHUNK = 20_000
#: Share of a word's occurrences written with a capital for it to count as a name.
NAME_SHARE = 0.5

#: Logistic weights of the pair signals, fitted once on the development
#: corpora (candidate pairs of ``gva`` and ``ecbplus``, each corpus weighted
#: equally) and fixed here; ``pair_signals`` computes each one.
PAIR_WEIGHTS = {
    "text": 4.53,
    "names": 6.02,
    "numbers": 4.63,
    "titles": -0.87,
    "local": 3.02,
    "weeks_apart": -2.18,
    "both_dated": 1.77,
    "same_source": -2.02,
    "rarest_shared": 3.57,
    "shared_rare": 0.40,
    "years": 1.28,
    "years_both": -0.51,
    "numbers_both": -12.40,
}
PAIR_BIAS = -6.48

TOKEN_PATTERN = r"(?u)\b[^\W_][^\W_]+\b"
_WORD = re.compile(TOKEN_PATTERN)


T = TypeVar("T")
R = TypeVar("R")


def _each(function: Callable[[T], R], items: Sequence[T], threads: int) -> list[R]:
    """``function`` over ``items`` in order, on ``threads`` threads.

    scipy's sparse products release the GIL, so blocks of them run side by
    side on several cores; each block's result does not depend on the others,
    so the outcome is the same for any number of threads.
    """
    if threads <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(function, items))


# --------------------------------------------------------------------------
# Text to vectors


def strip_furniture(articles: list[Article]) -> list[str]:
    """Bodies without paragraphs a publisher repeats on many pages.

    A story's own sentences rarely appear on three pages of one site, or on
    twenty pages of any sites; "Please enable Javascript to watch this video"
    does. Lines are compared whole, ignoring case.
    """
    lowered = [[line for line in map(str.strip, a.text.lower().splitlines()) if line]
               for a in articles]
    anywhere: Counter[str] = Counter()
    by_source: dict[str, Counter[str]] = {}
    for article, lines in zip(articles, lowered):
        distinct = set(lines)
        anywhere.update(distinct)
        if article.source:
            by_source.setdefault(article.source, Counter()).update(distinct)
    furniture = {line for line, count in anywhere.items() if count >= FURNITURE_ANYWHERE}
    source_furniture = {source: {line for line, count in counts.items()
                                 if count >= FURNITURE_PER_SOURCE}
                        for source, counts in by_source.items()}
    bodies = []
    for article, lines in zip(articles, lowered):
        own = source_furniture.get(article.source or "", set())
        if furniture.isdisjoint(lines) and own.isdisjoint(lines):
            bodies.append(article.text)
            continue
        original = [line for line in map(str.strip, article.text.splitlines()) if line]
        if len(original) != len(lines):  # a case change altered the line breaks
            original = lines
        bodies.append("\n".join(line for line, key in zip(original, lines)
                                if key not in furniture and key not in own))
    return bodies


@dataclass
class Vectors:
    """The sparse views of the articles that the pair signals are computed from."""

    text: object  # csr, rows L2-normalised: title (boosted) + body, names weighted up
    plain: object  # csr, rows L2-normalised: title + body, plain idf (to spot wire copies)
    titles: object  # csr, rows L2-normalised: title words only
    local: object  # csr, rows L2-normalised: ``text`` re-weighted against neighbours
    idf: np.ndarray  # per column
    name_columns: np.ndarray  # float mask over the columns: names
    number_columns: np.ndarray  # numbers
    year_columns: np.ndarray  # 19xx and 20xx
    name_norms: np.ndarray  # per row: norm of the ``text`` row restricted to names
    number_norms: np.ndarray  # ... to numbers
    year_norms: np.ndarray  # ... to years


def _normalise_rows(matrix):
    from scipy import sparse

    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return (sparse.diags((1.0 / norms).astype(np.float32)) @ matrix).tocsr()


class Vocabulary:
    """Every spelling counted so far and each text's word counts, kept between builds.

    Counting words is most of the cost of grouping, and a text's counts never
    change: a text counted once is not counted again. The first build counts
    in bulk with scikit-learn's ``CountVectorizer``; later builds that add a
    few articles count just those with the same token pattern and reuse the
    saved spellings and stop words, without loading scikit-learn at all.
    Either way every text gets exactly the counts ``CountVectorizer`` gives.

    The counts live in two flat arrays (columns, counts), each text a run of
    them: a hundred thousand texts' rows are gathered in one array operation,
    not joined from a hundred thousand small arrays.
    """

    #: From this many uncounted texts on, loading scikit-learn pays for itself.
    BULK = 500
    #: Texts per ``CountVectorizer`` call: bounds its memory on a cold build.
    BATCH = 5000

    def __init__(self) -> None:
        self.spellings: list[str] = []
        self.column: dict[str, int] = {}
        self.counted: dict[str, int] = {}  # text hash: its run in the arrays below
        self._starts = np.zeros(1, dtype=np.int64)  # run i is [starts[i], starts[i + 1])
        self._columns = np.zeros(0, dtype=np.int32)
        self._counts = np.zeros(0, dtype=np.float32)
        self.stop_words: frozenset[str] | None = None
        self.bulk_counts = 0  # builds that loaded scikit-learn (tests check the quick path)
        self._used: set[str] = set()

    def __getstate__(self) -> dict:
        """Only the texts this build counted or used are saved; old ones fall away.

        When every text kept is in use (a build that only added articles), the
        arrays are saved as they are, in the order the texts were counted,
        instead of gathered again text by text (0.6 s at 100k).
        """
        if len(self._used) == len(self.counted):
            keys = list(self.counted)  # in the order of their runs
            lengths, cols, counts = np.diff(self._starts), self._columns, self._counts
            columns = np.flatnonzero(np.bincount(cols, minlength=len(self.spellings)))
        else:
            keys = sorted(self._used)
            lengths, cols, counts, columns = self._stacked(keys)
        renumber = np.full(len(self.spellings), -1, dtype=np.int32)
        renumber[columns] = np.arange(len(columns), dtype=np.int32)
        return {"spellings": [self.spellings[c] for c in columns.tolist()], "keys": keys,
                "offsets": np.concatenate([[0], np.cumsum(lengths)]), "columns": renumber[cols],
                "counts": counts, "stop_words": self.stop_words, "bulk_counts": self.bulk_counts}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.spellings = state["spellings"]
        self.column = {word: i for i, word in enumerate(self.spellings)}
        self.counted = dict(zip(state["keys"], range(len(state["keys"]))))
        self._starts = np.asarray(state["offsets"], dtype=np.int64)
        self._columns = np.asarray(state["columns"], dtype=np.int32)
        self._counts = np.asarray(state["counts"], dtype=np.float32)
        self.stop_words = state["stop_words"]
        self.bulk_counts = state["bulk_counts"]

    def _stacked(self, keys: list[str]):
        """The texts' counts as flat arrays: each text's length, the columns, the
        counts, and the distinct columns used (sorted)."""
        runs = np.fromiter((self.counted[key] for key in keys), dtype=np.int64, count=len(keys))
        starts = self._starts[runs]
        lengths = self._starts[runs + 1] - starts
        where = run_positions(starts, lengths)
        cols, counts = self._columns[where], self._counts[where]
        present = np.zeros(len(self.spellings), dtype=bool)
        present[cols] = True
        return lengths, cols, counts, np.flatnonzero(present)  # like np.unique, without a sort

    def _append(self, keys: list[str], lengths: np.ndarray, cols: np.ndarray, counts: np.ndarray) -> None:
        """Add runs for ``keys`` (``lengths`` long each) to the arrays, in one copy."""
        first = len(self._starts) - 1
        self._starts = np.concatenate([self._starts, self._starts[-1] + np.cumsum(lengths, dtype=np.int64)])
        self._columns = np.concatenate([self._columns, cols.astype(np.int32, copy=False)])
        self._counts = np.concatenate([self._counts, counts.astype(np.float32, copy=False)])
        self.counted.update(zip(keys, range(first, first + len(keys))))

    def count(self, texts: list[str], workers: int = 1):
        """A sparse matrix of word counts, one row per text, columns in sorted spelling order."""
        from scipy import sparse

        keys = [hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest() for text in texts]
        missing = {key: text for key, text in zip(keys, texts) if key not in self.counted}
        if missing:
            self._count_missing(list(missing.keys()), list(missing.values()), workers)
        self._used.update(keys)
        lengths, indices, data, used = self._stacked(keys)
        # columns in the order CountVectorizer gives them: sorted spellings
        order = sorted(range(len(used)), key=lambda i: self.spellings[used[i]])
        position = np.empty(len(used), dtype=np.int64)
        position[order] = np.arange(len(used))
        renumber = np.zeros(len(self.spellings), dtype=np.int64)
        renumber[used] = position
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        matrix = sparse.csr_matrix((data, renumber[indices], indptr), shape=(len(texts), len(used)))
        matrix.sort_indices()
        spellings = [self.spellings[used[i]] for i in order]
        return matrix, spellings

    def _count_missing(self, keys: list[str], texts: list[str], workers: int) -> None:
        if len(texts) >= self.BULK or self.stop_words is None:
            self._count_in_bulk(keys, texts, workers)
            return
        counted = [Counter(_WORD.findall(text)) for text in texts]
        cols = [self._column_of(word) for words in counted for word in words]
        counts = [count for words in counted for count in words.values()]
        self._append(keys, np.array([len(words) for words in counted], dtype=np.int64),
                     np.array(cols, dtype=np.int32), np.array(counts, dtype=np.float32))

    def _count_in_bulk(self, keys: list[str], texts: list[str], workers: int) -> None:
        """``CountVectorizer`` over batches (its working lists of Python ints stay
        small), batches spread over ``workers`` processes when there are several."""
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        self.bulk_counts += 1
        self.stop_words = frozenset(ENGLISH_STOP_WORDS)
        starts = list(range(0, len(texts), self.BATCH))
        counted = None
        if workers > 1 and len(starts) > 1:
            counted = map_shared(_count_slice, (texts, self.BATCH), starts, min(workers, len(starts)))
        if counted is None:
            counted = [_count_batch(texts[start:start + self.BATCH]) for start in starts]
        lengths, cols, data = [], [], []
        for words, counts in counted:
            own = np.array([self._column_of(word) for word in words], dtype=np.int32)
            lengths.append(np.diff(counts.indptr))
            cols.append(own[counts.indices])
            data.append(counts.data)
        self._append(keys, np.concatenate(lengths), np.concatenate(cols), np.concatenate(data))

    def _column_of(self, word: str) -> int:
        column = self.column.get(word)
        if column is None:
            column = self.column[word] = len(self.spellings)
            self.spellings.append(word)
        return column


def _count_slice(shared: tuple[list[str], int], start: int):
    texts, size = shared
    return _count_batch(texts[start:start + size])


def _count_batch(texts: list[str]):
    """Spellings and a sparse count matrix for ``texts``, as ``CountVectorizer`` counts them."""
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(lowercase=False, token_pattern=TOKEN_PATTERN, dtype=np.float32)
    try:
        counts = counter.fit_transform(texts).tocsr()
    except ValueError:  # no text of the batch holds a single word
        return [], sparse.csr_matrix((len(texts), 0), dtype=np.float32)
    return counter.get_feature_names_out().tolist(), counts


def vectorize(articles: list[Article], vocabulary: Vocabulary | None = None, workers: int = 1) -> Vectors:
    """One tokenisation pass, case kept, then folded to lower case by a sparse product.

    Keeping case tells names ("Aceh", "Rahman") from common words, by the
    share of each word's occurrences that are capitalised across the corpus.
    """
    from scipy import sparse

    vocabulary = vocabulary if vocabulary is not None else Vocabulary()
    n = len(articles)
    bodies = strip_furniture(articles)
    titles = [a.title for a in articles]
    cased, spellings = vocabulary.count([t + "\n" + b for t, b in zip(titles, bodies)] + titles, workers)
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
    is_stop = np.array([t in vocabulary.stop_words for t in terms], dtype=bool)
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
    year_columns = np.array([len(t) == 4 and t[:2] in ("19", "20") and t.isdigit() for t in terms],
                            dtype=np.float32)
    squared = text.multiply(text).tocsr()
    name_norms = np.sqrt(np.asarray(squared @ name_columns).ravel())
    number_norms = np.sqrt(np.asarray(squared @ number_columns).ravel())
    year_norms = np.sqrt(np.asarray(squared @ year_columns).ravel())
    plain = _normalise_rows(tf @ sparse.diags(idf.astype(np.float32)))
    return Vectors(text=text, plain=plain, titles=title_vectors, local=None, idf=idf,
                   name_columns=name_columns, number_columns=number_columns,
                   year_columns=year_columns, name_norms=name_norms, number_norms=number_norms,
                   year_norms=year_norms)


# --------------------------------------------------------------------------
# Candidate pairs


def _candidate_index(text, keep: int):
    """Each row cut to its ``keep`` heaviest terms that are not common words.

    Enough to find an article's neighbours: two reports of one story share
    their rare words. Words in more than ``CANDIDATE_MAX_SHARE`` of the
    articles are left out, which bounds the cost of the sparse products.
    """
    from scipy import sparse

    n = text.shape[0]
    document_frequency = np.bincount(text.indices, minlength=text.shape[1])
    common = document_frequency > max(CANDIDATE_MIN_DF_CAP, CANDIDATE_MAX_SHARE * n)
    data = np.where(common[text.indices], 0.0, text.data).astype(np.float32)
    # a row of ``keep`` rare words or fewer keeps them all: none lies below its keep-th largest value
    mask = (data > 0) & _top_per_row(data, text.indptr, keep)
    kept_before = np.concatenate([[0], np.cumsum(mask)]).astype(text.indptr.dtype)  # kept before each position
    pruned = sparse.csr_matrix((data[mask], text.indices[mask], kept_before[text.indptr]), shape=text.shape)
    pruned.sort_indices()
    return pruned


def run_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of runs ``[starts[i], starts[i] + lengths[i])`` of a flat array, run
    after run: one index array gathers them all at once."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def _top_per_row(data: np.ndarray, indptr: np.ndarray, keep: int, cells: int = 1 << 22,
                 batched: int = 256) -> np.ndarray:
    """Mask over a CSR matrix's ``data`` keeping each row's ``keep`` largest (ties all kept).

    A partition per row costs about 10 us whatever the row's length, which on
    a hundred thousand short rows is most of the work: rows of up to
    ``batched`` values are laid side by side in padded arrays, shortest first
    and at most about ``cells`` values each, and partitioned in one call per
    array. Longer rows are partitioned one by one, where the call's cost is
    small next to the row's.
    """
    lengths = np.diff(indptr)
    cut = np.full(len(lengths), -np.inf, dtype=data.dtype)  # rows of ``keep`` or fewer keep all
    short_rows = np.flatnonzero((lengths > keep) & (lengths <= batched))
    short_rows = short_rows[np.argsort(lengths[short_rows], kind="stable")]
    start = 0
    while start < len(short_rows):
        sizes = lengths[short_rows[start:]]
        # as many rows as fit at the length of the last (longest) one, at least one
        fit = int(np.searchsorted(np.arange(1, len(sizes) + 1) * sizes, cells, side="right"))
        rows = short_rows[start:start + max(fit, 1)]
        sizes = lengths[rows]
        width = int(sizes[-1])
        padded = np.full((len(rows), width), -np.inf, dtype=data.dtype)  # each row's values, then -inf
        padded.ravel()[run_positions(np.arange(len(rows)) * width, sizes)] = \
            data[run_positions(indptr[rows], sizes)]
        cut[rows] = np.partition(padded, width - keep, axis=1)[:, width - keep]
        start += len(rows)
    for row in np.flatnonzero(lengths > max(keep, batched)):
        part = data[indptr[row]:indptr[row + 1]]
        cut[row] = np.partition(part, len(part) - keep)[len(part) - keep]
    return data >= np.repeat(cut, lengths)


def sorted_distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a one-dimensional integer array, by one sort.

    NumPy 2.3 and later answer ``np.unique`` on integers from a hash table,
    which on millions of mostly distinct values is tens of times slower than
    sorting them (the candidate pairs of a hundred thousand articles: seconds
    against a tenth of one).
    """
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return ordered[first]


def candidate_pairs(text, days: np.ndarray, horizon: int, neighbours: int = NEIGHBOURS,
                    block: int = 2048, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i < j) where one is among the other's nearest neighbours.

    Dated articles are compared only with articles at most ``horizon`` days
    away (plus undated ones); undated ones with everything. Each block of rows
    is one sparse product against the articles in its time range.
    """
    n = text.shape[0]
    pruned = _candidate_index(text, PRUNED_TERMS)
    dated = np.nonzero(days >= 0)[0]
    dated = dated[np.argsort(days[dated], kind="stable")]
    undated = np.nonzero(days < 0)[0]
    sorted_days = days[dated]

    def nearest(task: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        rows, cols = task
        if len(rows) == 0 or len(cols) == 0:
            return np.zeros(0, dtype=np.int64)
        sims = (pruned[rows] @ pruned[cols].T).tocsr()
        sims.data[sims.data < CANDIDATE_FLOOR] = 0.0  # chance overlaps of a common word
        sims.eliminate_zeros()
        mask = _top_per_row(sims.data, sims.indptr, neighbours + 1)
        left = rows[np.repeat(np.arange(len(rows)), np.diff(sims.indptr))[mask]]
        right = cols[sims.indices[mask]]
        distinct = left != right
        left, right = left[distinct], right[distinct]
        return np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right)

    tasks = []
    for start in range(0, len(dated), block):
        rows = dated[start:start + block]
        low = np.searchsorted(sorted_days, days[rows[0]] - horizon, side="left")
        high = np.searchsorted(sorted_days, days[rows[-1]] + horizon, side="right")
        tasks.append((rows, np.concatenate([dated[low:high], undated])))
    for start in range(0, len(undated), block):
        tasks.append((undated[start:start + block], np.arange(n)))
    found = [codes for codes in _each(nearest, tasks, threads) if len(codes)]
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    codes = sorted_distinct(np.concatenate(found))
    left, right = codes // n, codes % n
    if len(dated):
        both = (days[left] >= 0) & (days[right] >= 0)
        near = ~both | (np.abs(days[left] - days[right]) <= horizon)
        left, right = left[near], right[near]
    return left, right


# --------------------------------------------------------------------------
# Pair signals


def pair_dot(matrix, left: np.ndarray, right: np.ndarray, step: int = PAIR_CHUNK,
             threads: int = 1) -> np.ndarray:
    """Row-wise dot products of the given pairs, in chunks to bound memory."""
    out = np.empty(len(left), dtype=np.float64)

    def chunk(start: int) -> None:
        a = matrix[left[start:start + step]]
        b = matrix[right[start:start + step]]
        out[start:start + step] = np.asarray(a.multiply(b).sum(axis=1)).ravel()

    _each(chunk, range(0, len(left), step), threads)
    return out


def local_vectors(text, left, right, sims, neighbours: int = LOCAL_NEIGHBOURS, threads: int = 1):
    """``text`` with each word re-weighted by how rare it is among the article's neighbours.

    Weight log((k + 1) / (d + 1)), k the neighbourhood's size (the article and
    its ``neighbours`` most similar candidates) and d how many of them use the
    word: the vocabulary of a whole topic fades, what sets one event apart
    from its twin stays.
    """
    from scipy import sparse

    n = text.shape[0]
    graph = sparse.csr_matrix((np.concatenate([sims, sims]),
                               (np.concatenate([left, right]), np.concatenate([right, left]))),
                              shape=(n, n))
    graph.sort_indices()
    keep = _top_per_row(graph.data, graph.indptr, neighbours)
    kept_rows = np.repeat(np.arange(n), np.diff(graph.indptr))[keep]
    adjacency = sparse.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32),
                                   (kept_rows, graph.indices[keep])), shape=(n, n))
    adjacency = (adjacency + sparse.identity(n, dtype=np.float32, format="csr")).tocsr()
    size = np.asarray(adjacency.sum(axis=1)).ravel()
    present = text.copy()
    present.data = np.ones_like(present.data)
    local = text.copy()
    local.sort_indices()
    weights = np.empty(len(local.data), dtype=np.float32)
    step = 4096

    def chunk(start: int) -> None:
        stop = min(n, start + step)
        # every word of a row is counted at least once (the article itself), so
        # the product has exactly the sparsity pattern of these rows of ``text``
        counts = (adjacency[start:stop] @ present).multiply(present[start:stop]).tocsr()
        counts.sort_indices()
        row_size = np.repeat(size[start:stop], np.diff(counts.indptr))
        weights[local.indptr[start]:local.indptr[stop]] = np.log((row_size + 1.0) / (counts.data + 1.0))

    _each(chunk, range(0, n, step), threads)
    local.data = local.data * weights
    return _normalise_rows(local)


def _shared_words(vectors: Vectors, left: np.ndarray, right: np.ndarray,
                  step: int = PAIR_CHUNK, threads: int = 1) -> dict[str, np.ndarray]:
    """Signals from the words two articles share, one elementwise product per chunk."""
    from scipy import sparse

    idf = vectors.idf.astype(np.float64)
    top = float(idf.max()) if len(idf) else 1.0
    rare = (idf >= top - math.log(8)).astype(np.float32)  # used by at most ~8 articles
    masks = np.column_stack([vectors.name_columns, vectors.number_columns, vectors.year_columns])
    scale_idf = sparse.diags(idf / top)
    cosine = np.empty(len(left))
    masked = np.empty((len(left), 3))
    rarest = np.empty(len(left))
    rare_count = np.empty(len(left))

    def one(start: int) -> None:
        chunk = slice(start, start + step)
        product = vectors.text[left[chunk]].multiply(vectors.text[right[chunk]]).tocsr()
        cosine[chunk] = np.asarray(product.sum(axis=1)).ravel()
        masked[chunk] = np.asarray(product @ masks)
        product.data = np.ones_like(product.data)
        rare_count[chunk] = np.asarray(product @ rare).ravel()
        rarest[chunk] = np.asarray((product @ scale_idf).max(axis=1).todense()).ravel()

    _each(one, range(0, len(left), step), threads)

    def restricted(column: int, norms: np.ndarray) -> np.ndarray:
        denominator = norms[left] * norms[right]
        return np.divide(masked[:, column], denominator, out=np.zeros(len(left)),
                         where=denominator > 0)

    return {
        "text": cosine,
        "names": restricted(0, vectors.name_norms),
        "numbers": restricted(1, vectors.number_norms),
        "years": restricted(2, vectors.year_norms),
        "rarest_shared": rarest,
        "shared_rare": np.log1p(rare_count),
    }


def pair_signals(vectors: Vectors, articles: list[Article], days: np.ndarray, window: int,
                 left: np.ndarray, right: np.ndarray, threads: int = 1) -> dict[str, np.ndarray]:
    """Every signal ``PAIR_WEIGHTS`` names, for each candidate pair."""
    signals = _shared_words(vectors, left, right, threads=threads)
    if vectors.local is None:
        vectors.local = local_vectors(vectors.text, left, right, signals["text"], threads=threads)
    both_dated = (days[left] >= 0) & (days[right] >= 0)
    sources = np.array([a.source or "" for a in articles], dtype=object)
    signals.update({
        "titles": pair_dot(vectors.titles, left, right, threads=threads),
        "local": pair_dot(vectors.local, left, right, threads=threads),
        "weeks_apart": np.where(both_dated,
                                np.log1p(np.abs(days[left] - days[right]) / max(window, 1)), 0.0),
        "both_dated": both_dated.astype(np.float64),
        "same_source": ((sources[left] == sources[right]) & (sources[left] != "")).astype(np.float64),
        "years_both": ((vectors.year_norms[left] > 0) & (vectors.year_norms[right] > 0)).astype(np.float64),
        "numbers_both": np.minimum(vectors.number_norms[left], vectors.number_norms[right]),
    })
    return signals


def same_story_evidence(signals: dict[str, np.ndarray]) -> np.ndarray:
    """Log-odds that each pair reports the same story."""
    score = np.full(len(signals["text"]), PAIR_BIAS, dtype=np.float64)
    for name, weight in PAIR_WEIGHTS.items():
        score += weight * signals[name]
    return score


# --------------------------------------------------------------------------
# Linking


def average_linkage(n: int, left: np.ndarray, right: np.ndarray, weights: np.ndarray,
                    threshold: float, established: int = 0,
                    established_threshold: float = 0.0,
                    joining_threshold: float | None = None) -> list[int]:
    """Agglomerative clustering with average linkage over a sparse pair graph.

    The link between two groups is the sum of their pairs' weights divided by
    the number of pairs; pairs never scored count as 0. Groups merge best link
    first. Two groups both of ``established`` items or more need
    ``established_threshold``; one such group and a smaller one need
    ``joining_threshold`` (when given); two smaller ones need ``threshold``.
    Returns a label (a member index) per item.
    """
    def needed(size_a: int, size_b: int) -> float:
        if established and min(size_a, size_b) >= established:
            return established_threshold
        if established and joining_threshold is not None and max(size_a, size_b) >= established:
            return joining_threshold
        return threshold

    links: list[dict[int, float]] = [{} for _ in range(n)]
    lowest = threshold if joining_threshold is None else min(threshold, joining_threshold)
    heap = []
    scored = weights > 0  # a pair weighing 0 or less is as good as one never scored
    for i, j, w in zip(left[scored].tolist(), right[scored].tolist(), weights[scored].tolist()):
        links[i][j] = w
        links[j][i] = w
        if w >= lowest:
            heap.append((-w, i, j, 0, 0))
    heapq.heapify(heap)
    size = [1] * n
    version = [0] * n
    members = [[i] for i in range(n)]
    while heap:
        negative, a, b, version_a, version_b = heapq.heappop(heap)
        if version[a] != version_a or version[b] != version_b or not members[a] or not members[b]:
            continue
        if -negative < needed(size[a], size[b]):
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
            if link >= lowest:
                low, high = (a, c) if a < c else (c, a)
                heapq.heappush(heap, (-link, low, high, version[low], version[high]))
    labels = [0] * n
    for root, group in enumerate(members):
        for i in group:
            labels[i] = root
    return labels


def _copy_groups(articles: list[Article], days: np.ndarray, left, right, text_cosine,
                 labels: np.ndarray) -> list[int]:
    """For each article, the earliest article of its group of near-identical texts."""
    n = len(articles)
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    copied = (text_cosine >= COPY_SIMILARITY) & (labels[left] == labels[right])
    copy_left, copy_right = left[copied].tolist(), right[copied].tolist()
    for i, j in zip(copy_left, copy_right):
        root_i, root_j = find(i), find(j)
        if root_i != root_j:
            parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[int]] = {}
    for i in sorted(set(copy_left) | set(copy_right)):
        groups.setdefault(find(i), []).append(i)
    original = list(range(n))
    for group in groups.values():
        first = min(group, key=lambda i: (days[i] < 0, days[i], articles[i].id))
        for i in group:
            original[i] = first
    return original


def evidence_threshold(settings: Settings) -> float:
    """The average log-odds two groups need to merge, from ``settings.similarity``.

    ``similarity`` is read as a probability (0 < p < 1): how likely, on
    average over their pairs, two groups' reports must be to tell the same
    story. 0 means the built-in default. Wire copies merge whatever it is.
    """
    wanted = settings.similarity
    if not wanted or wanted <= 0:
        return DEFAULT_EVIDENCE
    wanted = min(max(float(wanted), 1e-6), 1 - 1e-6)
    return min(math.log(wanted / (1 - wanted)), EVIDENCE_CLIP)


def cluster(articles: list[Article], settings: Settings,
            vocabulary: Vocabulary | None = None, threads: int = 1) -> list[Story]:
    """Stories of ``articles``: sorted by first article id, ids sorted within.

    The result does not depend on the order of ``articles``. Each story's
    ``copies`` maps a wire copy to the earliest report of its text (dated
    before undated, then by id). ``vocabulary`` holds word counts from
    earlier builds; it changes nothing in the result, only what is recounted.
    ``threads`` share the sparse products (and as processes, a first count of
    many texts); the result is the same for any number.
    """
    ordered = sorted(articles, key=lambda a: a.id)
    n = len(ordered)
    if n == 0:
        return []
    if not any(_WORD.search(a.title) or _WORD.search(a.text) for a in ordered):
        return [Story(article_ids=[a.id]) for a in ordered]  # no words to compare
    window = max(int(settings.window_days), 0)
    days = np.array([a.published.toordinal() if a.published else -1 for a in ordered],
                    dtype=np.int64)
    vectors = vectorize(ordered, vocabulary, threads)
    left, right = candidate_pairs(vectors.text, days, horizon=HORIZON_WINDOWS * max(window, 1),
                                  threads=threads)
    signals = pair_signals(vectors, ordered, days, window, left, right, threads=threads)
    evidence = np.clip(same_story_evidence(signals), -EVIDENCE_CLIP, EVIDENCE_CLIP)
    plain_cosine = pair_dot(vectors.plain, left, right, threads=threads)
    evidence[plain_cosine >= COPY_SIMILARITY] = EVIDENCE_CLIP  # one report is one story
    # shifted so that a pair never compared (weight 0) counts as the strongest "no"
    threshold = evidence_threshold(settings)
    labels = average_linkage(n, left, right, evidence + EVIDENCE_CLIP, threshold + EVIDENCE_CLIP,
                             established=ESTABLISHED_SIZE,
                             established_threshold=max(threshold, ESTABLISHED_EVIDENCE) + EVIDENCE_CLIP,
                             joining_threshold=min(threshold, JOINING_EVIDENCE) + EVIDENCE_CLIP)
    label_of = np.asarray(labels)
    original = _copy_groups(ordered, days, left, right, plain_cosine, label_of)
    ids = [a.id for a in ordered]
    copies: dict[int, dict[str, str]] = {}  # story label: its copies
    for i, first in enumerate(original):
        if first != i:
            copies.setdefault(labels[i], {})[ids[i]] = ids[first]
    # members in index order, which is id order; stories in the order of their first member
    by_label = np.argsort(label_of, kind="stable")
    members = np.split(by_label, np.flatnonzero(np.diff(label_of[by_label])) + 1)
    members.sort(key=lambda group: group[0])
    return [Story(article_ids=[ids[i] for i in group.tolist()],
                  copies=dict(sorted(copies.get(labels[group[0]], {}).items())))
            for group in members]
