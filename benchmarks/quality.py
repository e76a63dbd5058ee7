"""Scores (work in progress)."""
from __future__ import annotations
from collections import Counter, defaultdict


def bcubed(predicted: dict[str, str], gold: dict[str, str]) -> tuple[float, float, float]:
    ids = sorted(gold)
    pred_size = Counter(predicted[i] for i in ids)
    gold_size = Counter(gold[i] for i in ids)
    cell = Counter((predicted[i], gold[i]) for i in ids)
    precision = sum(cell[predicted[i], gold[i]] / pred_size[predicted[i]] for i in ids) / len(ids)
    recall = sum(cell[predicted[i], gold[i]] / gold_size[gold[i]] for i in ids) / len(ids)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def pairwise(predicted, gold):
    ids = sorted(gold)
    pairs = lambda c: sum(n * (n - 1) // 2 for n in c.values())
    same_both = pairs(Counter((predicted[i], gold[i]) for i in ids))
    same_pred = pairs(Counter(predicted[i] for i in ids))
    same_gold = pairs(Counter(gold[i] for i in ids))
    p = same_both / same_pred if same_pred else 1.0
    r = same_both / same_gold if same_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
