# Profile of the accounts CSV read directly (crmkit profile FILE) against `xsv stats
# --everything` on the same file, plus the profile of the ingested dataset.
# Target: crmkit wall time <= 1.0x xsv's while computing more; peak RSS < 500 MB; both
# cores busy (CPU > 150%).
tools="$BENCH_DIR/tools"
if [ ! -x "$tools/bin/xsv" ]; then
  echo "  installing xsv into $tools ..."
  cargo install xsv --locked --root "$tools" -q
fi
file="$SAMPLES/accounts.csv"
as_of=$(sed -n 's/.*"as_of": *"\([0-9-]*\)".*/\1/p' "$SAMPLES/truth.json" | head -1)

# CPU use needs %P, which the shared `measure` does not report.
cpu_of() { awk '{ print $3 }' "$BENCH_DIR/.time-profile"; }
measure_cpu() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M %P" -o "$BENCH_DIR/.time-profile" "$@" >/dev/null 2>"$BENCH_DIR/.stderr" || {
    echo "$name failed:" >&2; cat "$BENCH_DIR/.stderr" >&2; return 1; }
  read -r LAST_WALL rss_kb LAST_CPU < "$BENCH_DIR/.time-profile"
  LAST_RSS_MB=$((rss_kb / 1024))
  printf '  %-34s %8.2f s %7d MB %6s CPU\n' "$name" "$LAST_WALL" "$LAST_RSS_MB" "$LAST_CPU"
}

measure_cpu "xsv stats --everything" "$tools/bin/xsv" stats --everything "$file"
peer=$LAST_WALL
measure_cpu "crmkit profile FILE" "$CRMKIT" profile "$file" --json --as-of "${as_of:-2025-06-30}"
r=$(ratio "$LAST_WALL" "$peer")
echo "  ratio crmkit/xsv: $r (target <= 1.00); peak RSS ${LAST_RSS_MB} MB (target < 500); CPU ${LAST_CPU} (target > 150%)"
record profile ratio_vs_xsv "$r" "<=1.00"
record profile peak_rss_mb "$LAST_RSS_MB" "<500"
record profile cpu_percent "${LAST_CPU%\%}" ">150"

# The same data ingested: profile reads it back from the staging database.
ws="$BENCH_DIR/profile-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$file" >/dev/null
measure_cpu "crmkit profile (ingested dataset)" "$CRMKIT" -w "$ws" profile accounts --json --as-of "${as_of:-2025-06-30}"
record profile ingested_wall_s "$LAST_WALL" "-"
record profile ingested_peak_rss_mb "$LAST_RSS_MB" "<500"
rm -rf "$ws"
