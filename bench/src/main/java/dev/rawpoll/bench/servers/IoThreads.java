package dev.rawpoll.bench.servers;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The threads that do an echo server's I/O (its event loops or selector threads), and what they
 * have allocated: each line {@code allocated TOKEN} on the server's stdin is answered with one
 * stdout line {@code io-threads-allocated TOKEN BYTES THREADS}, the bytes being the sum of the JDK's
 * per-thread allocation counters ({@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes},
 * exact to the byte: each thread's total plus what it used of its current TLAB) of the registered
 * threads since they started. Compare asks at the start and end of a window; the difference is
 * what the I/O threads allocated in between. The thread that answers is not counted.
 */
final class IoThreads {
    /** What a request line starts with; the rest of the line (a token) is echoed in the answer. */
    static final String REQUEST = "allocated ";
    /** What an answer line starts with. */
    static final String ANSWER = "io-threads-allocated ";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final Set<Long> IDS = ConcurrentHashMap.newKeySet();

    private IoThreads() {}

    /** Call on each I/O thread, once it exists: its allocations count from now on in every answer. */
    static void register() {
        IDS.add(Thread.currentThread().threadId());
    }

    /** The registered threads' allocated bytes since each started; a thread that ended counts 0. */
    static long allocatedBytes() {
        long[] ids = IDS.stream().mapToLong(Long::longValue).toArray();
        long sum = 0;
        for (long bytes : THREADS.getThreadAllocatedBytes(ids)) {
            if (bytes > 0) sum += bytes;
        }
        return sum;
    }

    /**
     * Starts the daemon thread that answers requests on stdin until it ends. An answer is written
     * in one {@code write} (shorter than a pipe's atomic size), so that the JIT's
     * -XX:+PrintCompilation lines on the same stdout can come before it but never split it.
     */
    static void answerOnStdin() {
        Thread.ofPlatform().daemon().name("io-threads-allocated").start(() -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith(REQUEST)) continue;
                    String token = line.substring(REQUEST.length()).trim();
                    long bytes = allocatedBytes();
                    byte[] answer = String.format(Locale.ROOT, "%s%s %d %d%n", ANSWER, token, bytes, IDS.size())
                            .getBytes(StandardCharsets.UTF_8);
                    synchronized (System.out) {
                        System.out.write(answer, 0, answer.length);
                        System.out.flush();
                    }
                }
            } catch (IOException e) {
                // stdin closed under us: nobody is asking any more
            }
        });
    }
}
