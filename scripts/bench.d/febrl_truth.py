"""Truth clusters of FEBRL files (records `rec-N-org` and `rec-N-dup-K` are one entity N),
written as truth.json's `duplicate_clusters` for f1.py.

usage: febrl_truth.py OUT.json FEBRL.csv [MORE.csv ...]
"""
import csv
import json
import sys
from collections import defaultdict

out, *files = sys.argv[1:]
groups = defaultdict(list)
for path in files:
    with open(path, newline="") as f:
        reader = csv.reader(f, skipinitialspace=True)
        next(reader)
        for row in reader:
            rec = row[0].strip()
            groups[rec.split("-")[1]].append(rec)
clusters = [sorted(g) for g in groups.values() if len(g) > 1]
json.dump({"duplicate_clusters": clusters}, open(out, "w"))
print(f"{len(clusters)} clusters, {sum(len(g) * (len(g) - 1) // 2 for g in clusters)} pairs", file=sys.stderr)
