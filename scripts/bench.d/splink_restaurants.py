"""Splink 5 (DuckDB) linking Fodor's and Zagat's restaurant guides, set up as a data team
would: link_only, names and addresses by Jaro-Winkler bands, exact city and phone, u from
random pairs, m by EM on phone- and name-blocked pairs. Prints pairwise F1 precision recall
at the default threshold 0.5, then the best F1 over a sweep of thresholds and its threshold.

usage: splink_restaurants.py FODORS.csv ZAGATS.csv MATCHES.csv
"""
import csv
import sys

import duckdb
import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, SettingsCreator, block_on
from splink_common import clean, make_linker, prf, report

fodors, zagats, matches = sys.argv[1:4]


def load(path):
    df = pd.read_csv(path, dtype=str).fillna("")
    # Zagat's address column is headed `location`: a Splink user names it by hand.
    df = df.rename(columns={"location": "addr"})
    df["unique_id"] = df["id"]
    for col in ("name", "addr"):
        df[col] = clean(df[col])
    df["phone"] = df["phone"].str.replace(r"\D", "", regex=True)
    df["city"] = df["city"].str.lower()
    return df[["unique_id", "name", "addr", "city", "phone"]]


settings = SettingsCreator(
    link_type="link_only",
    comparisons=[
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
        cl.JaroWinklerAtThresholds("addr", [0.95, 0.88]),
        cl.ExactMatch("city"),
        cl.ExactMatch("phone"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("phone"), block_on("substr(name,1,3)"), block_on("substr(addr,1,5)"),
    ],
)
api = DuckDBAPI(connection=duckdb.connect())
f, z = load(fodors), load(zagats)
linker = make_linker(api, [f, z], settings)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("substr(name,1,3)"))
pred = linker.inference.predict(threshold_match_probability=0.001).as_pandas_dataframe()

truth = set()
with open(matches, newline="") as fh:
    for r in csv.DictReader(fh):
        truth.add(tuple(sorted([r["fodors_id"], r["zagats_id"]])))


def score(t):
    p = pred[pred.match_probability >= t]
    found = set(tuple(sorted([a, b])) for a, b in zip(p.unique_id_l, p.unique_id_r))
    return prf(truth, found)


report(score, [0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95, 0.99])
