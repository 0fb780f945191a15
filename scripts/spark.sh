#!/usr/bin/env bash
# A local Spark Connect server for the Spark engine's development and tests:
#   scripts/spark.sh install   pinned pyspark (requirements-spark.txt) in the project's venv, Java 17
#   scripts/spark.sh start     start it on 127.0.0.1:$SPARK_CONNECT_PORT (default 15002), wait until it listens
#   scripts/spark.sh stop      stop it
#   scripts/spark.sh status    say whether it runs, and where
# Offline (every jar is in the pyspark package), local[*], driver memory bounded by
# $SPARK_DRIVER_MEMORY (default 2g). Logs and pid in .spark/<port>/. A real cluster needs none
# of this: point the study at its Connect endpoint (--remote sc://HOST:PORT; README, "Spark").
# Result streams are never cut for a reattach (senderMaxStreamDuration 0, unless
# $SPARK_CONNECT_STREAM_DURATION says otherwise): the Rust client 4.2.0 takes a stream the server
# closes for a reattach as the whole result (README, "Spark").
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
PORT=${SPARK_CONNECT_PORT:-15002}
STATE=.spark/$PORT
MEMORY=${SPARK_DRIVER_MEMORY:-2g}
PID_FILE=$STATE/server.pid
LOG=$STATE/server.log

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

install() {
  if ! command -v java >/dev/null 2>&1; then
    local sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null \
      || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y --no-install-recommends openjdk-17-jre-headless >/dev/null; }
  fi
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  if ! cmp -s requirements-spark.txt "$VENV/.requirements-spark.txt"; then
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r requirements-spark.txt
    cp requirements-spark.txt "$VENV/.requirements-spark.txt"
  fi
}

start() {
  install
  if running && listening; then echo "Spark Connect already running: sc://127.0.0.1:$PORT"; return 0; fi
  mkdir -p "$STATE"
  local home
  home=$("$VENV/bin/python" -c 'import importlib.util, os; print(os.path.dirname(importlib.util.find_spec("pyspark").origin))')
  SPARK_HOME="$home" SPARK_LOCAL_IP=127.0.0.1 nohup "$home/bin/spark-submit" \
    --master 'local[*]' --driver-memory "$MEMORY" \
    --conf spark.ui.enabled=false \
    --conf spark.connect.grpc.binding.address=127.0.0.1 \
    --conf spark.connect.grpc.binding.port="$PORT" \
    --conf spark.connect.execute.reattachable.senderMaxStreamDuration="${SPARK_CONNECT_STREAM_DURATION:-0}" \
    --class org.apache.spark.sql.connect.service.SparkConnectServer spark-internal \
    >"$LOG" 2>&1 &
  echo $! >"$PID_FILE"
  for _ in $(seq 120); do
    if listening; then echo "Spark Connect running: sc://127.0.0.1:$PORT (log $LOG)"; return 0; fi
    running || { tail -20 "$LOG" >&2; echo "Spark Connect failed to start (log $LOG)" >&2; return 1; }
    sleep 1
  done
  echo "Spark Connect did not listen on port $PORT within 120 s (log $LOG)" >&2
  stop
  return 1
}

stop() {
  if running; then
    local pid; pid=$(cat "$PID_FILE")
    kill "$pid"
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "Spark Connect stopped"
  else
    echo "Spark Connect was not running"
  fi
  rm -f "$PID_FILE"
}

status() {
  if running && listening; then echo "running: sc://127.0.0.1:$PORT (pid $(cat "$PID_FILE"))";
  else echo "not running"; return 1; fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
