#!/bin/bash
# Where the scheduler runs an echo server's threads and the load generator (issue 16: 2 loops on
# 2 cores shared with loadgen).
#
#   bench/scripts/loop-sched.sh CONNECTIONS SERVER_CLASS [SERVER_ARGS...]
#   e.g. bench/scripts/loop-sched.sh 1000 RawpollCallbackEchoServer --loops 2
#
# Starts the server (a class of dev.rawpoll.bench.servers, on port 0), warms it up with loadgen
# (6 s), then under a second loadgen run (64 B, 6 s) records 2 s of `perf sched` machine-wide and
# prints round trips/s and, per busy thread (server threads and loadgen), how often it was
# switched in, its run time and its average slice (`perf sched timehist -s`). Needs perf, the
# bench jar (BENCH_JAR=... to pick another build), JAVA_HOME of a JDK 25 and java/target/native.
# Run it as every benchmark: alone, `flock /work/bench.lock bench/scripts/loop-sched.sh ...`.
set -euo pipefail
CONNS=$1; CLASS=$2; shift 2
. "$(dirname "$0")/echo-server.sh"
start_echo_server "$CONNS" 6 "$CLASS" "$@"
"$LG" -p "$PORT" -c "$CONNS" -s 64 -d 6 -w 1 > "$OUT/loadgen" &
LPID=$!
sleep 2
perf sched record -a -o "$OUT/sched.data" -- sleep 2 > /dev/null 2>&1
wait $LPID
echo "$CLASS $* at $CONNS connections: $(grep -o '"round_trips_per_s":[0-9.]*' "$OUT/loadgen" | cut -d: -f2) round trips/s"
echo "  thread                              switched in   run ms in 2 s   average slice ms"
perf sched timehist -i "$OUT/sched.data" -s 2>/dev/null | awk '/Runtime summary/,/Terminated tasks/' \
    | awk -v s="$SPID" -v l="$LPID" 'NF >= 9 && ($2 == s || $1 ~ "\\[" l "\\]") && $4 > 100 {printf "  %-36s %10d %15.1f %18.3f\n", $1, $3, $4, $6}'
