#!/usr/bin/env bash
# The Spark engine beside the polars engine at scale (README, "Spark"): for each row count, a
# synthetic customer file (`synth`), then `layers` and `score` on each engine, with wall time and
# peak memory (the CLI's for polars; the Spark Connect server's JVM, restarted before each Spark
# run, for Spark, plus the client's). Usage: scripts/bench_spark.sh 1000000 10000000
# Needs a build with the spark feature (cargo build --features spark) and the models/ file of
# `profit`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/debug/campaign-study
WORK=${BENCH_DIR:-/tmp/campaign-bench}
mkdir -p "$WORK"
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
timed() { # label, command...: prints "label: S s, client MB"
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt" >&2; exit 1; }
  read -r secs kb <"$WORK/time.txt"
  printf '%s: %s s, process peak %d MB' "$label" "$secs" $((kb / 1024))
}
for rows in "$@"; do
  file=$WORK/customers_$rows.csv
  [ -f "$file" ] || $BIN synth --rows "$rows" --seed 7 --output "$file" >/dev/null
  echo "== $rows rows ($(du -m "$file" | cut -f1) MB)"
  rm -rf "$WORK/polars" "$WORK/spark"
  timed "polars layers" $BIN --data-dir "$WORK/polars" layers --input "$file"; echo
  timed "polars score " $BIN score --input "$file" --output "$WORK/polars_scored.csv" --skip-invalid; echo
  for step in layers score; do
    scripts/spark.sh stop >/dev/null; scripts/spark.sh start >/dev/null
    if [ $step = layers ]; then
      timed "spark  layers" $BIN --data-dir "$WORK/spark" layers --engine spark --input "$file"
    else
      timed "spark  score " $BIN score --engine spark --input "$file" --output "$WORK/spark_scored"
    fi
    echo ", server peak $(( $(peak_kb "$(cat ".spark/${SPARK_CONNECT_PORT:-15002}/server.pid")") / 1024 )) MB"
  done
done
