# Dedupe on a real multi-source directory of organisations nobody here wrote: Chicago
# early-childhood sites (dedupeio/dedupe-examples csv_example, MIT; 3,337 records from ~10
# sources, 6,608 true pairs; tests/fixtures/chicago-childcare), `crmkit dedupe` with roles
# found on its own, side by side with Splink 5's dedupe_only run (DuckDB, EM-trained, in a
# venv). crmkit at its default threshold against Splink at 0.5 and at its best threshold
# (which needs labels to find); pairwise F1 of the final clusters.
here="$(dirname "${BASH_SOURCE[0]}")"
fixture="$here/../../tests/fixtures/chicago-childcare/childcare.csv"
ws="$BENCH_DIR/dedupe-chicago-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$fixture" >/dev/null
truth="$BENCH_DIR/chicago-truth.json"
python3 - "$fixture" "$truth" <<'PY'
import csv, json, sys
groups = {}
for r in csv.DictReader(open(sys.argv[1], newline="")):
    groups.setdefault(r["True Id"], []).append(r["Id"])
json.dump({"duplicate_clusters": [g for g in groups.values() if len(g) > 1]}, open(sys.argv[2], "w"))
PY
measure "crmkit dedupe childcare" "$CRMKIT" -w "$ws" dedupe childcare --object account --id Id
ours=$LAST_WALL
f1_ours=$(python3 "$here/f1.py" "$truth" "$ws/out/dedupe-review-childcare.csv" record_id cluster)
record dedupe_chicago f1_crmkit "${f1_ours%% *}" ">=splink best"
splink_against dedupe_chicago "splink dedupe_only childcare" "$f1_ours" "$ours" "$here/splink_chicago.py" "$fixture"
rm -rf "$ws"
