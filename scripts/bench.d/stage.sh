# Stage of the samples (accounts, contacts, opportunities) with the mappings exactly as
# `map suggest` writes them, against ingesting the same files in the same run.
# Targets: stage <= 3x ingest, peak RSS < 600 MB, `map check` <= stage.
ws="$BENCH_DIR/stage-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
files=("$SAMPLES/accounts.csv" "$SAMPLES/contacts.csv" "$SAMPLES/opportunities.csv")
measure "crmkit ingest (3 files)" "$CRMKIT" -w "$ws" ingest "${files[@]}"
ingest=$LAST_WALL
measure "crmkit map suggest accounts" "$CRMKIT" -w "$ws" map suggest accounts --object account
suggest=$LAST_WALL
measure "crmkit map suggest contacts" "$CRMKIT" -w "$ws" map suggest contacts --object contact
suggest=$(awk -v a="$suggest" -v b="$LAST_WALL" 'BEGIN { printf "%.2f", a + b }')
measure "crmkit map suggest opportunities" "$CRMKIT" -w "$ws" map suggest opportunities --object opportunity
suggest=$(awk -v a="$suggest" -v b="$LAST_WALL" 'BEGIN { printf "%.2f", a + b }')
measure "crmkit stage" "$CRMKIT" -w "$ws" stage
stage=$LAST_WALL
stage_rss=$LAST_RSS_MB
# map check exits 1 when it finds blocking problems: that is a result, not a failure.
measure "crmkit map check" bash -c '"$0" -w "$1" map check >/dev/null; [ $? -le 1 ]' "$CRMKIT" "$ws"
check=$LAST_WALL
check_rss=$LAST_RSS_MB
r_stage=$(ratio "$stage" "$ingest")
r_check=$(ratio "$check" "$stage")
echo "  map suggest total ${suggest} s"
echo "  ratio stage/ingest: $r_stage (target <= 3.00); stage peak RSS ${stage_rss} MB (target < 600)"
echo "  ratio map-check/stage: $r_check (target <= 1.00); map check peak RSS ${check_rss} MB"
n=$(basename "$SAMPLES")
record stage "ratio_vs_ingest_$n" "$r_stage" "<=3.00"
record stage "peak_rss_mb_$n" "$stage_rss" "<600"
record stage "map_check_vs_stage_$n" "$r_check" "<=1.00"
record stage "wall_s_$n" "$stage" "-"
record stage "ingest_wall_s_$n" "$ingest" "-"
rm -rf "$ws"
