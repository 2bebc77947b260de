#!/bin/bash
# Per-thread view of one echo server under load (issue 16: why 2 loops are slower than 1 here).
#
#   bench/scripts/loop-batches.sh CONNECTIONS SERVER_CLASS [SERVER_ARGS...]
#   e.g. bench/scripts/loop-batches.sh 1000 RawpollCallbackEchoServer --loops 2
#
# Starts the server (a class of dev.rawpoll.bench.servers, on port 0), warms it up with loadgen
# (4 s), then under a second loadgen run (64 B messages, 5 s) prints: round trips/s; for 2 s, per
# server thread and for loadgen, system calls and context switches (perf stat), and the CPU the
# machine left idle and the server and loadgen used; for 1 s, per
# server thread, the epoll_wait calls and how many events each returned (perf record of the
# syscalls:sys_exit_epoll_wait* tracepoints); at the end, the server's own report (rawpoll's:
# reads, allocation and connections per loop thread, both loadgen runs). Needs perf, the bench jar (BENCH_JAR=... to pick another
# build) and java/target/native.
# Run it as every benchmark: alone, `flock /work/bench.lock bench/scripts/loop-batches.sh ...`.
set -euo pipefail
CONNS=$1; CLASS=$2; shift 2
. "$(dirname "$0")/echo-server.sh"
start_echo_server "$CONNS" 4 "$CLASS" "$@"
"$LG" -p "$PORT" -c "$CONNS" -s 64 -d 5 -w 1 > "$OUT/loadgen" &
LPID=$!
sleep 2
# CPU use over the same 2 s: the machine's idle share (/proc/stat), the server's and loadgen's (ticks)
cpu_idle() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
read -r I0 T0 < <(cpu_idle); S0=$(ticks "$SPID"); L0=$(ticks "$LPID")
perf stat --per-thread -e raw_syscalls:sys_enter,context-switches -p "$SPID" -o "$OUT/server.perf" -- sleep 2 &
PPID2=$!
perf stat -e raw_syscalls:sys_enter,context-switches -p "$LPID" -o "$OUT/loadgen.perf" -- sleep 2
wait $PPID2
read -r I1 T1 < <(cpu_idle); S1=$(ticks "$SPID"); L1=$(ticks "$LPID")
perf record -q -e syscalls:sys_exit_epoll_wait -e syscalls:sys_exit_epoll_pwait -e syscalls:sys_exit_epoll_pwait2 \
    -p "$SPID" -o "$OUT/waits.data" -- sleep 1 > /dev/null 2>&1
wait $LPID
echo "$CLASS $* at $CONNS connections: $(grep -o '"round_trips_per_s":[0-9.]*' "$OUT/loadgen" | cut -d: -f2) round trips/s"
HZ=$(getconf CLK_TCK)
echo "  CPU over the 2 s: machine idle $(( 100 * (I1 - I0) / (T1 - T0) )) %, server $(( 100 * (S1 - S0) / HZ / 2 )) % of a core, loadgen $(( 100 * (L1 - L0) / HZ / 2 )) %"
awk '/raw_syscalls|context-switches/ && $2+0 > 1000 {printf "  %-28s %10d %s in 2 s\n", $1, $2, $3}' "$OUT/server.perf"
awk '/raw_syscalls|context-switches/ {printf "  %-28s %10d %s in 2 s\n", "loadgen", $1, $2}' "$OUT/loadgen.perf"
perf script -i "$OUT/waits.data" -F tid,trace 2>/dev/null | python3 -c '
import collections, sys
calls, events, empty = collections.Counter(), collections.Counter(), collections.Counter()
for line in sys.stdin:
    f = line.split()
    if not f: continue
    n = int(f[-1], 16)
    n = 0 if n >= 1 << 63 else n  # an error return
    calls[f[0]] += 1; events[f[0]] += n; empty[f[0]] += n == 0
for t in sorted(calls):
    print("  thread %-21s %10d epoll_wait calls in 1 s, %5.1f events per call that returned any" % (t, calls[t], events[t] / max(1, calls[t] - empty[t])))
'
# The server's own report at SIGTERM (rawpoll's: reads, allocation and connections per loop)
kill "$SPID" 2>/dev/null || true
wait "$SPID" 2>/dev/null || true
sed -n 's/^\(.*loop thread allocated.*\)$/  \1/p' "$OUT/server.err"
