package dev.rawpoll.loop;

import dev.rawpoll.LoopbackTcp;
import dev.rawpoll.TestFds;
import dev.rawpoll.TestHandles;

/**
 * The pipes of the loop tests: pipe(2) on Unix; on Windows, which has no pipes a Poller can
 * watch, a loopback TCP connection made through Winsock ({@link LoopbackTcp}), whose {@code [0]}
 * reads what {@code [1]} writes, as a pipe's. The handles are {@code int}s, as the tests keep them
 * (a Windows SOCKET's value fits: see {@code internal.SocketCalls}). The Windows ends are
 * non-blocking, so a read must follow readiness, which is what these tests do.
 */
final class LoopPipes {
    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    private LoopPipes() {}

    /** {@code [0]} reads what {@code [1]} writes. */
    static int[] open() {
        if (!WINDOWS) {
            return TestFds.blockingPipe();
        }
        TestHandles.Pair pair = LoopbackTcp.INSTANCE.socketPair(); // closed end by end, below
        return new int[] {Math.toIntExact(pair.a()), Math.toIntExact(pair.b())};
    }

    /**
     * Two connected ends, each readable and writable: socketpair(2) on Unix, a loopback TCP
     * connection on Windows. Non-blocking.
     */
    static int[] socketPair() {
        if (!WINDOWS) {
            TestFds.Pair fds = TestFds.socketPair();
            return new int[] {fds.a(), fds.b()};
        }
        TestHandles.Pair pair = LoopbackTcp.INSTANCE.socketPair();
        return new int[] {Math.toIntExact(pair.a()), Math.toIntExact(pair.b())};
    }

    static void write(int handle, byte[] bytes) {
        if (!WINDOWS) {
            TestFds.writeBytes(handle, bytes);
        } else if (LoopbackTcp.INSTANCE.send(handle, bytes) != bytes.length) {
            throw new AssertionError("short send to " + handle);
        }
    }

    /** One read of at most {@code max} bytes (empty at end of stream). */
    static byte[] read(int handle, int max) {
        return WINDOWS ? LoopbackTcp.INSTANCE.receive(handle, max) : TestFds.readBytes(handle, max);
    }

    static void close(int... handles) {
        for (int handle : handles) {
            if (WINDOWS) {
                LoopbackTcp.INSTANCE.close(handle);
            } else {
                TestFds.closeChecked(handle);
            }
        }
    }
}
