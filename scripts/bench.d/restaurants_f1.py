"""Pairwise precision, recall and F1 of a linked run over Fodor's and Zagat's against their truth.

usage: restaurants_f1.py REVIEW.csv MATCHES.csv
REVIEW.csv is crmkit's review sheet (`record_id`, `cluster`); MATCHES.csv the true
fodors_id,zagats_id pairs. Every pair inside a cluster counts, within-guide pairs included
(the guides list each restaurant once, so those are false positives).
"""
import csv
import itertools
import sys
from collections import defaultdict

review, matches = sys.argv[1:3]
truth = set()
with open(matches, newline="") as f:
    for r in csv.DictReader(f):
        truth.add(tuple(sorted([r["fodors_id"], r["zagats_id"]])))
groups = defaultdict(list)
with open(review, newline="") as f:
    for r in csv.DictReader(f):
        groups[r["cluster"]].append(r["record_id"])
found = set()
for g in groups.values():
    found.update(itertools.combinations(sorted(set(g)), 2))
hit = len(truth & found)
p = hit / len(found) if found else 1.0
r = hit / len(truth) if truth else 1.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print(f"{f1:.4f} {p:.4f} {r:.4f}")
