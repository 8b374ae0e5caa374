"""Splink (DuckDB backend) deduplication of a crmkit samples accounts.csv, done the way a
careful Splink user would: light standardisation, blocking rules, u from random sampling,
m by expectation maximisation, predictions clustered at probability 0.5.

usage: splink_dedupe.py ACCOUNTS.csv OUT_CLUSTERS.csv
"""
import re
import sys

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

src, out = sys.argv[1:3]
con = duckdb.connect()
df = con.execute(
    f"""
    SELECT "Account ID" AS unique_id,
           trim(regexp_replace(regexp_replace(lower("Account Name"), '[^a-z0-9& ]', ' ', 'g'),
                '\\b(inc|incorporated|llc|l l c|ltd|limited|gmbh|corp|corporation|co|sa|plc)\\b', '', 'g')) AS name,
           nullif(regexp_replace(regexp_replace(lower("Website"), '^(https?://)?(www\\.)?', ''), '/.*$', ''), '') AS domain,
           nullif(right(regexp_replace("Phone", '[^0-9]', '', 'g'), 10), '') AS phone,
           lower("Billing City") AS city,
           "Billing Zip" AS postcode
    FROM read_csv_auto('{src}', all_varchar = true)
    """
).df()
df["name"] = df["name"].map(lambda s: re.sub(r"\s+", " ", s).strip() if isinstance(s, str) else s)

settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88]),
        cl.ExactMatch("domain"),
        cl.ExactMatch("phone"),
        cl.ExactMatch("city"),
        cl.ExactMatch("postcode"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("domain"),
        block_on("phone"),
        block_on("substr(name, 1, 5)"),
    ],
    retain_intermediate_calculation_columns=False,
)
db_api = DuckDBAPI(connection=con)
try:
    # Splink 5: tables are registered with the backend first.
    linker = Linker(db_api.register(df), settings)
except AttributeError:
    # Splink 4: the dataframe and the backend go to the Linker together.
    linker = Linker(df, settings, db_api)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("domain"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
predictions = linker.inference.predict(threshold_match_probability=0.5)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.5)
result = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
result.to_csv(out, index=False)
