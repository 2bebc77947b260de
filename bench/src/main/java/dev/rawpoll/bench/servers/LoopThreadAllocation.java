package dev.rawpoll.bench.servers;

import java.lang.management.ManagementFactory;

/**
 * What the loop thread of a rawpoll echo server allocated while it echoed: printed to stderr when
 * the server is stopped (SIGTERM), as bytes per read that carried data, so that a Compare run
 * shows whether the steady state allocates (the JDK's per-thread allocation counter, TLAB-exact).
 */
final class LoopThreadAllocation {
    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final long threadId = Thread.currentThread().threadId();
    private final long startBytes = threads.getCurrentThreadAllocatedBytes();

    /** Counted by the loop thread; read racily at shutdown, which is fine for a report. */
    long reads;
    /** Connections this loop served; read racily at shutdown. */
    long connections;

    /** Prints the report at shutdown, from the shutdown-hook thread. */
    void reportAtExit(String server) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long bytes = threads.getThreadAllocatedBytes(threadId) - startBytes;
            System.err.printf(java.util.Locale.ROOT, "%s: loop thread allocated %d B over %d reads (%.3f B/read) and %d connections%n",
                    server, bytes, reads, reads == 0 ? 0.0 : (double) bytes / reads, connections);
        }));
    }
}
