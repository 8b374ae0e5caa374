"""Splink 5 (DuckDB) deduplicating the Chicago early-childhood directory (dedupeio's
csv_example, 3,337 records from ~10 sources), set up as a data team would: dedupe_only,
site name and address by Jaro-Winkler bands, exact zip and phone, u from random pairs, m by
EM on phone- and zip+name-prefix-blocked pairs, predictions clustered. Prints pairwise F1
precision recall of the clusters at the default threshold 0.5, then the best F1 over a sweep
of thresholds and its threshold.

usage: splink_chicago.py CHILDCARE.csv
"""
import itertools
import sys

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, SettingsCreator, block_on
from splink_common import clean, make_linker, prf, report

path = sys.argv[1]
raw = pd.read_csv(path, dtype=str).fillna("")
df = pd.DataFrame({"unique_id": raw["Id"]})


df["name"] = clean(raw["Site name"])
df["addr"] = clean(raw["Address"])
df["zip"] = raw["Zip"].str.replace(r"\D", "", regex=True).str[:5]
df["phone"] = raw["Phone"].str.replace(r"\D", "", regex=True)
df = df.replace("", None)

settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
        cl.JaroWinklerAtThresholds("addr", [0.95, 0.88]),
        cl.ExactMatch("zip"),
        cl.ExactMatch("phone"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("phone"), block_on("zip", "substr(name,1,3)"), block_on("substr(addr,1,6)"),
    ],
)
api = DuckDBAPI(connection=duckdb.connect())
linker = make_linker(api, [df], settings)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
linker.training.estimate_parameters_using_expectation_maximisation(
    block_on("zip", "substr(name,1,3)")
)
pred = linker.inference.predict(threshold_match_probability=0.001)

truth = set()
for _, g in raw.groupby("True Id"):
    truth.update(itertools.combinations(sorted(g["Id"]), 2))


def score(t):
    c = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, t).as_pandas_dataframe()
    found = set()
    for _, g in c.groupby("cluster_id"):
        found.update(itertools.combinations(sorted(g["unique_id"].astype(str)), 2))
    return prf(truth, found)


report(score, [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99, 0.999])
