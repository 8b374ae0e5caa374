# Ingest of the accounts CSV: crmkit (sniffing, decoding, hashing, lineage, catalog) against
# sqlite3's `.import --csv` into a fresh database. Target: ratio <= 1.2, peak RSS < 200 MB.
ws="$BENCH_DIR/ingest-ws"
rm -rf "$ws" "$BENCH_DIR/ingest-sqlite3.db"
"$CRMKIT" init "$ws" >/dev/null
measure "sqlite3 .import --csv" sqlite3 "$BENCH_DIR/ingest-sqlite3.db" ".import --csv $SAMPLES/accounts.csv t"
peer=$LAST_WALL
measure "crmkit ingest" "$CRMKIT" -w "$ws" ingest "$SAMPLES/accounts.csv"
r=$(ratio "$LAST_WALL" "$peer")
echo "  ratio crmkit/sqlite3: $r (target <= 1.20); peak RSS ${LAST_RSS_MB} MB (target < 200)"
record ingest ratio_vs_sqlite3 "$r" "<=1.20"
record ingest peak_rss_mb "$LAST_RSS_MB" "<200"
rm -rf "$ws" "$BENCH_DIR/ingest-sqlite3.db"
