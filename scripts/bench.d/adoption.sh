# Adoption: `crmkit adoption ingest` of one snapshot with 1,000,000 opportunities (and their
# stage history) and 5,000,000 activities, then `crmkit report adoption`, against sqlite3
# importing the same CSVs and grouping opportunities and activities by owner (the least a
# hand-made adoption report needs). Targets: ingest + report within 60 s; peak RSS < 1 GiB.
opps="${ADOPTION_OPPS:-1000000}"
acts="${ADOPTION_ACTIVITIES:-5000000}"
data="$BENCH_DIR/adoption-$opps-$acts"
if [ ! -f "$data/activities.csv" ]; then
  echo "  generating $opps opportunities and $acts activities into $data ..."
  python3 "$root/scripts/bench.d/adoption_gen.py" "$data" "$opps" "$acts"
fi
wc -l "$data"/*.csv | sed 's/^/  /'

ws="$BENCH_DIR/adoption-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" --client Bench >/dev/null
measure "crmkit adoption ingest" "$CRMKIT" -w "$ws" adoption ingest "$data/users.csv" \
  "$data/login_history.csv" "$data/activities.csv" "$data/opportunities.csv" \
  "$data/opportunity_history.csv" --as-of 2025-06-30
ingest_wall=$LAST_WALL; ingest_rss=$LAST_RSS_MB
measure "crmkit report adoption (html, md, json)" "$CRMKIT" -w "$ws" report adoption --format all
report_wall=$LAST_WALL; report_rss=$LAST_RSS_MB
total=$(awk -v a="$ingest_wall" -v b="$report_wall" 'BEGIN { printf "%.2f", a + b }')
peak=$(( ingest_rss > report_rss ? ingest_rss : report_rss ))
"$CRMKIT" -w "$ws" adoption list | sed 's/^/  /'

peer_db="$BENCH_DIR/adoption-peer.db"
rm -f "$peer_db"
cat > "$BENCH_DIR/adoption-peer.sql" <<SQL
.mode csv
.import $data/opportunities.csv opps
.import $data/activities.csv acts
.import $data/opportunity_history.csv hist
SELECT "Opportunity Owner", COUNT(*), SUM(Stage = 'Closed Won'), SUM(Stage = 'Closed Lost') FROM opps GROUP BY 1;
SELECT Assigned, COUNT(*) FROM acts GROUP BY 1;
SELECT STAGENAME, COUNT(*) FROM hist GROUP BY 1;
SQL
measure "sqlite3 import + group by owner" sqlite3 "$peer_db" ".read $BENCH_DIR/adoption-peer.sql"
peer=$LAST_WALL
rm -f "$peer_db"
r=$(ratio "$total" "$peer")
echo "  crmkit ingest + report: ${total} s (target <= 60), peak RSS ${peak} MB (target < 1024); ratio vs sqlite3 import + group by: $r"
record adoption ingest_report_wall_s "$total" "<=60"
record adoption peak_rss_mb "$peak" "<1024"
record adoption ratio_vs_sqlite3 "$r" "-"
rm -rf "$ws"
