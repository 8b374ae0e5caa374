# Stage of the samples (accounts, contacts, opportunities) with the mappings exactly as
# `map suggest` writes them, against ingesting the same files in the same run.
# Targets: stage <= 3x ingest, peak RSS < 600 MB, `map check` <= stage.
# The ratios are of wall time; CPU time (user+sys) is printed and recorded beside them,
# since on a shared machine wall time follows the load more than the code.
ws="$BENCH_DIR/stage-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
files=("$SAMPLES/accounts.csv" "$SAMPLES/contacts.csv" "$SAMPLES/opportunities.csv")
# cpu_time: user+sys seconds of the last command run under `timed` (GNU time inside
# `measure`, whose peak RSS is then still the crmkit process's).
cpu_file="$BENCH_DIR/.cpu"
timed=(/usr/bin/time -f "%U %S" -o "$cpu_file")
cpu_time() { awk '{ printf "%.2f", $1 + $2 }' "$cpu_file"; }
measure "crmkit ingest (3 files)" "${timed[@]}" "$CRMKIT" -w "$ws" ingest "${files[@]}"
ingest=$LAST_WALL
ingest_cpu=$(cpu_time)
measure "crmkit map suggest accounts" "$CRMKIT" -w "$ws" map suggest accounts --object account
suggest=$LAST_WALL
measure "crmkit map suggest contacts" "$CRMKIT" -w "$ws" map suggest contacts --object contact
suggest=$(awk -v a="$suggest" -v b="$LAST_WALL" 'BEGIN { printf "%.2f", a + b }')
measure "crmkit map suggest opportunities" "$CRMKIT" -w "$ws" map suggest opportunities --object opportunity
suggest=$(awk -v a="$suggest" -v b="$LAST_WALL" 'BEGIN { printf "%.2f", a + b }')
measure "crmkit stage" "${timed[@]}" "$CRMKIT" -w "$ws" stage
stage=$LAST_WALL
stage_rss=$LAST_RSS_MB
stage_cpu=$(cpu_time)
# map check exits 1 when it finds blocking problems: that is a result, not a failure.
measure "crmkit map check" "${timed[@]}" bash -c '"$0" -w "$1" map check >/dev/null; [ $? -le 1 ]' "$CRMKIT" "$ws"
check=$LAST_WALL
check_rss=$LAST_RSS_MB
check_cpu=$(cpu_time)
r_stage=$(ratio "$stage" "$ingest")
r_check=$(ratio "$check" "$stage")
r_stage_cpu=$(ratio "$stage_cpu" "$ingest_cpu")
echo "  map suggest total ${suggest} s"
echo "  CPU (user+sys): ingest ${ingest_cpu} s, stage ${stage_cpu} s, map check ${check_cpu} s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  ratio stage/ingest: $r_stage (target <= 3.00; CPU time: $r_stage_cpu); stage peak RSS ${stage_rss} MB (target < 600)"
echo "  ratio map-check/stage: $r_check (target <= 1.00); map check peak RSS ${check_rss} MB"
n=$(basename "$SAMPLES")
record stage "ratio_vs_ingest_$n" "$r_stage" "<=3.00"
record stage "peak_rss_mb_$n" "$stage_rss" "<600"
record stage "map_check_vs_stage_$n" "$r_check" "<=1.00"
record stage "wall_s_$n" "$stage" "-"
record stage "ingest_wall_s_$n" "$ingest" "-"
record stage "cpu_ratio_vs_ingest_$n" "$r_stage_cpu" "-"
record stage "cpu_s_$n" "$stage_cpu" "-"
record stage "ingest_cpu_s_$n" "$ingest_cpu" "-"
rm -rf "$ws"
