# Sourced by loop-batches.sh and loop-sched.sh: starts an echo server of dev.rawpoll.bench.servers
# on port 0 and warms it up with loadgen.
#
#   start_echo_server CONNECTIONS WARMUP_SECONDS SERVER_CLASS [SERVER_ARGS...]
#
# Sets ROOT, LG (loadgen), OUT (a temporary directory, removed at exit with the server killed),
# SPID (the server's pid) and PORT. BENCH_JAR picks another bench jar; JAVA_HOME a JDK 25.
start_echo_server() {
    local conns=$1 warmup=$2 class=$3
    shift 3
    ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    local jar=${BENCH_JAR:-$(ls "$ROOT"/bench/target/rawpoll-bench-*-all.jar | head -1)}
    local java=${JAVA_HOME:+$JAVA_HOME/bin/}java
    LG=$ROOT/java/target/native/loadgen
    OUT=$(mktemp -d)
    trap 'kill $SPID 2>/dev/null || true; rm -rf "$OUT"' EXIT
    "$java" --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED -cp "$jar" \
        "dev.rawpoll.bench.servers.$class" 0 "$@" > "$OUT/server" 2> "$OUT/server.err" &
    SPID=$!
    for _ in $(seq 100); do grep -q 'listening on' "$OUT/server" && break; sleep 0.1; done
    PORT=$(grep -o 'listening on [0-9]*' "$OUT/server" | awk '{print $3}')
    "$LG" -p "$PORT" -c "$conns" -s 64 -d "$warmup" -w 1 > /dev/null
}
