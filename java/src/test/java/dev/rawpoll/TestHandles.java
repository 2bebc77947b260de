package dev.rawpoll;

/**
 * The handles the {@link PollerContractTest contract suite} watches, for one OS: pairs that one
 * side makes ready for the other, and the calls that do it. {@link UnixHandles} gives pipes and
 * AF_UNIX socket pairs; {@link LoopbackTcp} gives loopback TCP connections, the only kind Windows
 * has, through libc or Winsock. {@link LeakCheck} counts what the process has open.
 *
 * <p>Handles are {@code long}s, as {@link Poller} takes them (a descriptor on Unix, a {@code SOCKET}
 * on Windows). Transfers never block: they return what the call returned, {@code -1} on "would
 * block" and on any other failure.
 */
public interface TestHandles {

    /** A one-way channel: {@link Pair#a()} reads what {@link Pair#b()} writes (a pipe, where there are pipes). */
    Pair pipe();

    /** A two-way stream connection between {@link Pair#a()} and {@link Pair#b()}. */
    Pair socketPair();

    /** Writes {@code n} bytes; returns what the call returned. */
    long write(long handle, int n);

    /** Reads up to {@code max} bytes; returns what the call returned (0 at end of stream). */
    long read(long handle, int max);

    /** Shuts down the writing side: the peer reads end of stream. */
    void shutdownOutput(long handle);

    /** Closes a handle this kit did not make in a {@link Pair} (a listener, an accepted socket). */
    void close(long handle);

    /**
     * What the reading end of {@link #pipe()} reports besides READABLE once the writing end is
     * closed: HANGUP for a pipe, READ_CLOSED for a TCP connection (the peer's FIN is a half-close).
     */
    int closedWriterReadiness();

    /** Reads until the handle would block; returns the bytes read. */
    default long drain(long handle) {
        long total = 0;
        for (long n; (n = read(handle, 65536)) > 0; ) total += n;
        return total;
    }

    /** Writes until the handle would block; returns the bytes written. */
    default long fill(long handle) {
        long total = 0;
        for (long n; (n = write(handle, 65536)) > 0; ) total += n;
        return total;
    }

    /**
     * Two handles made together. Each end is closed at most once, through its pair: a handle
     * number is reused at once, so closing a number a second time could close somebody else's.
     */
    final class Pair implements AutoCloseable {
        private final TestHandles kit;
        private final long a;
        private final long b;
        private boolean aOpen = true;
        private boolean bOpen = true;

        public Pair(TestHandles kit, long a, long b) {
            this.kit = kit;
            this.a = a;
            this.b = b;
        }

        public long a() {
            return a;
        }

        public long b() {
            return b;
        }

        public void closeA() {
            if (aOpen) {
                aOpen = false;
                kit.close(a);
            }
        }

        public void closeB() {
            if (bOpen) {
                bOpen = false;
                kit.close(b);
            }
        }

        @Override
        public void close() {
            closeA();
            closeB();
        }

        @Override
        public String toString() {
            return "Pair[" + a + ", " + b + "]";
        }
    }
}
