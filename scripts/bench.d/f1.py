"""Pairwise precision, recall and F1 of predicted clusters against truth.json's duplicate_clusters.

usage: f1.py TRUTH.json CLUSTERS.csv ID_COLUMN CLUSTER_COLUMN
Records in no predicted cluster simply contribute no pairs.
"""
import csv
import itertools
import json
import sys
from collections import defaultdict


def pairs(groups):
    out = set()
    for g in groups:
        for a, b in itertools.combinations(sorted(set(g)), 2):
            out.add((a, b))
    return out


truth_path, clusters_path, id_col, cluster_col = sys.argv[1:5]
truth = pairs(json.load(open(truth_path))["duplicate_clusters"])
groups = defaultdict(list)
with open(clusters_path, newline="") as f:
    for row in csv.DictReader(f):
        groups[row[cluster_col]].append(row[id_col])
predicted = pairs(groups.values())
hit = len(truth & predicted)
p = hit / len(predicted) if predicted else 1.0
r = hit / len(truth) if truth else 1.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(f"{f1:.4f} {p:.4f} {r:.4f}")
