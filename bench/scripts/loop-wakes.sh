#!/bin/bash
# Wakeups and idle time of one echo server under load (issue 16: why a 2-loop server leaves the
# machine idle; echo-groups-why.md section 9).
#
#   bench/scripts/loop-wakes.sh CONNECTIONS SERVER_CLASS [SERVER_ARGS...]
#   e.g. bench/scripts/loop-wakes.sh 1000 RawpollCallbackEchoServer --loops 2
#
# Starts the server (a class of dev.rawpoll.bench.servers, on port 0), warms it up with loadgen
# (6 s), then under a second loadgen run (64 B, 6 s) records 2 s of the sched tracepoints
# machine-wide and prints: round trips/s; from sched_waking to the woken thread running, split by
# whether its target CPU was idle (halted) or busy (bench/scripts/wake-to-run.py); each busy
# thread's run slices by how they ended; and the CPUs' idle time by what was runnable meanwhile
# (bench/scripts/idle-by-waiter.py). Needs perf, python3, the bench jar (BENCH_JAR=... to pick
# another build), JAVA_HOME of a JDK 25 and java/target/native. perf perturbs the run: read the
# splits, not the totals. Run it as every benchmark: alone,
# `flock /work/bench.lock bench/scripts/loop-wakes.sh ...`.
set -euo pipefail
CONNS=$1; CLASS=$2; shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/echo-server.sh"
start_echo_server "$CONNS" 6 "$CLASS" "$@"
"$LG" -p "$PORT" -c "$CONNS" -s 64 -d 6 -w 1 > "$OUT/loadgen" &
LPID=$!
sleep 2
perf record -e sched:sched_switch -e sched:sched_waking -e sched:sched_wakeup -e sched:sched_migrate_task \
    -a -o "$OUT/sched.data" -- sleep 2 > /dev/null 2>&1
wait $LPID
echo "$CLASS $* at $CONNS connections: $(grep -o '"round_trips_per_s":[0-9.]*' "$OUT/loadgen" | cut -d: -f2) round trips/s"
perf script -i "$OUT/sched.data" -F cpu,time,event,trace 2>/dev/null > "$OUT/sched.txt"
python3 "$HERE/wake-to-run.py" "$OUT/sched.txt"
python3 "$HERE/idle-by-waiter.py" "$OUT/sched.txt"
