package dev.rawpoll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rawpoll.bsd.KqueueAbi;
import dev.rawpoll.bsd.KqueuePoller;
import java.io.IOException;

/**
 * The Pollers a machine offers beyond its default one, for the tests that run the loop, the tasks,
 * AsyncSockets, the demo and the echo server over each: kqueue natively on macOS/FreeBSD, and on
 * Linux through the libkqueue named by {@code RAWPOLL_LIBKQUEUE} (over Linux sockets, which is what
 * libkqueue polls), and io_uring on x86-64 Linux. Where there is none the calling test class is
 * reported skipped, saying so.
 */
public final class TestPollers {
    public static final String KQUEUE_DID_NOT_RUN =
            "kqueue loop tests did not run: set RAWPOLL_LIBKQUEUE=/path/to/libkqueue.so (see README)";

    private TestPollers() {}

    /**
     * Aborts the calling test class (skipped, with the reason printed) where there is no kqueue.
     * Opens and closes one kqueue first: libkqueue starts its monitoring thread and descriptors
     * with the first kqueue of the process and keeps them, which a descriptor count must not take
     * for a leak of the first test.
     */
    public static void requireKqueue(String testClass) throws IOException {
        boolean present = KqueueAbi.detect().isPresent();
        if (!present) {
            System.out.println("[" + testClass + "] " + KQUEUE_DID_NOT_RUN);
        }
        assumeTrue(present, KQUEUE_DID_NOT_RUN);
        openKqueue().close();
    }

    /** A new kqueue Poller (libkqueue on Linux). */
    public static Poller openKqueue() throws IOException {
        return KqueuePoller.open();
    }

    /** Aborts the calling test class (skipped, with the reason printed) where io_uring cannot be opened. */
    public static void requireIoUring(String testClass) {
        String reason = null;
        try {
            Poller.openIoUring().close();
        } catch (UnsupportedOperationException | IOException e) {
            reason = "io_uring loop tests did not run: " + e.getMessage();
            System.out.println("[" + testClass + "] " + reason);
        }
        assumeTrue(reason == null, reason);
    }

    /** A new io_uring Poller. */
    public static Poller openIoUring() throws IOException {
        return Poller.openIoUring();
    }
}
