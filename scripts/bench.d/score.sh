# Score. BG/NBD on the CDNOW sample side by side with lifetimes' BetaGeoFitter (installed
# here in a venv): parameters within 1% of the paper (r 0.243, alpha 4.414, a 0.793,
# b 2.426) and the same ranking (Spearman >= 0.99). Then `score rfm` on the generated samples.
here="$(dirname "${BASH_SOURCE[0]}")"
venv="$BENCH_DIR/tools/lifetimes-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import lifetimes, scipy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q lifetimes
fi
"$venv/bin/python" "$here/score_lifetimes.py" "$CRMKIT" "$BENCH_DIR/score"
ws="$BENCH_DIR/score-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$SAMPLES/accounts.csv" "$SAMPLES/opportunities.csv" >/dev/null
measure "crmkit score rfm ($(basename "$SAMPLES"))" "$CRMKIT" -w "$ws" score rfm --as-of 2025-06-30
record score "rfm_wall_s_$(basename "$SAMPLES")" "$LAST_WALL" ""
rm -rf "$ws"
