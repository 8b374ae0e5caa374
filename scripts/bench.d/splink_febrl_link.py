"""Splink (DuckDB backend) linking of two FEBRL person files (dataset4a/4b) with
link_type="link_only", set up as in splink_febrl.py (Splink's FEBRL tutorial, whose functions
this reuses). With TRUTH.json it also prints the F1 at the best of a range of thresholds.

usage: splink_febrl_link.py A.csv B.csv OUT_CLUSTERS.csv [TRUTH.json]
"""
import sys

import duckdb

from splink_febrl import load, run

a_path, b_path, out = sys.argv[1:4]
con = duckdb.connect()
run(
    con,
    [load(con, a_path), load(con, b_path)],
    "link_only",
    out,
    sys.argv[4] if len(sys.argv) > 4 else None,
)
