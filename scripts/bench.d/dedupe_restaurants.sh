# Dedupe on public business listings nobody here wrote: Fodor's (533) and Zagat's (331)
# restaurant guides, 112 true pairs (tests/fixtures/restaurants, from the py_entitymatching
# sdist on PyPI), linked as two datasets, `crmkit dedupe fodors zagats`, side by side with
# Splink 5's link_only run (DuckDB, EM-trained, in a venv). crmkit at its default threshold
# against Splink at 0.5 and at its best threshold (which needs labels to find); pairwise F1
# of the final clusters, within-guide pairs counting as false positives for crmkit.
here="$(dirname "${BASH_SOURCE[0]}")"
fixtures="$here/../../tests/fixtures/restaurants"
ws="$BENCH_DIR/dedupe-restaurants-ws"
rm -rf "$ws"
"$CRMKIT" init "$ws" >/dev/null
"$CRMKIT" -w "$ws" ingest "$fixtures/fodors.csv" >/dev/null
"$CRMKIT" -w "$ws" ingest "$fixtures/zagats.csv" >/dev/null
measure "crmkit dedupe fodors zagats (link)" "$CRMKIT" -w "$ws" dedupe fodors zagats --object account --id fodors=id --id zagats=id
ours=$LAST_WALL
f1_ours=$(python3 "$here/restaurants_f1.py" "$ws/out/dedupe-review-fodors+zagats.csv" "$fixtures/matches.csv")
record dedupe_restaurants f1_crmkit "${f1_ours%% *}" ">=splink best"
splink_against dedupe_restaurants "splink link_only fodors zagats" "$f1_ours" "$ours" "$here/splink_restaurants.py" "$fixtures/fodors.csv" "$fixtures/zagats.csv" "$fixtures/matches.csv"
rm -rf "$ws"
