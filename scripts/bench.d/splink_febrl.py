"""Splink (DuckDB backend) deduplication of a FEBRL person file, set up the way Splink's own
FEBRL tutorial does: name, date-of-birth, id and address comparisons with term-frequency
adjustments, u from random sampling, m by expectation maximisation on two blocking rules,
clusters at match probability 0.5. With TRUTH.json it also prints the F1 at the best of a
range of thresholds (for reference: a user without labels cannot pick it).
splink_febrl_link.py links two files with the same set-up (the functions below).

usage: splink_febrl.py FEBRL.csv OUT_CLUSTERS.csv [TRUTH.json]
"""
import itertools
import json
import sys

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def load(con, src):
    """A FEBRL csv as Splink input: trimmed values, empty as null."""
    return con.execute(
        f"""
        SELECT trim(rec_id) AS unique_id,
               nullif(trim(given_name), '') AS given_name,
               nullif(trim(surname), '') AS surname,
               nullif(trim(street_number), '') AS street_number,
               nullif(trim(address_1), '') AS address_1,
               nullif(trim(suburb), '') AS suburb,
               nullif(trim(postcode), '') AS postcode,
               nullif(trim(state), '') AS state,
               nullif(trim(date_of_birth), '') AS date_of_birth,
               nullif(trim(soc_sec_id), '') AS soc_sec_id
        FROM read_csv('{src}', all_varchar = true, header = true, normalize_names = true)
        """
    ).df()


def run(con, frames, link_type, out, truth_path=None):
    """Trains Splink's FEBRL tutorial model on `frames` (one to dedupe, two to link), writes
    the clusters at 0.5 to `out` and, given a truth file, prints the best threshold's F1."""
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("suburb", [0.9]).configure(
                term_frequency_adjustments=True
            ),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("postcode", "street_number"),
            block_on("soc_sec_id"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=con)
    try:
        tables = [db_api.register(f) for f in frames]
        linker = Linker(tables[0] if len(tables) == 1 else tables, settings)
    except AttributeError:
        linker = Linker(frames[0] if len(frames) == 1 else frames, settings, db_api)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    predictions = linker.inference.predict(threshold_match_probability=0.01)

    def clusters_at(t):
        c = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, t)
        return c.as_pandas_dataframe()[["unique_id", "cluster_id"]]

    clusters_at(0.5).to_csv(out, index=False)
    if truth_path is None:
        return

    def pairs(groups):
        return {p for g in groups for p in itertools.combinations(sorted(set(g)), 2)}

    truth = pairs(json.load(open(truth_path))["duplicate_clusters"])
    best = (0.0, 0.5)
    for t in [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999]:
        r = clusters_at(t)
        predicted = pairs(r.groupby("cluster_id")["unique_id"].apply(list))
        hit = len(truth & predicted)
        p = hit / len(predicted) if predicted else 1.0
        rec = hit / len(truth) if truth else 1.0
        f1 = 2 * p * rec / (p + rec) if p + rec else 0.0
        best = max(best, (f1, t))
    print(f"best {best[0]:.4f} at {best[1]}", file=sys.stderr)


if __name__ == "__main__":
    src, out = sys.argv[1:3]
    con = duckdb.connect()
    run(con, [load(con, src)], "dedupe_only", out, sys.argv[3] if len(sys.argv) > 3 else None)
