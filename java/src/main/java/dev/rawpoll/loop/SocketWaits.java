package dev.rawpoll.loop;

import java.io.IOException;
import java.net.SocketException;

/**
 * How a task waits on one of its sockets ({@link AsyncSockets}): the socket's registration is
 * kept from one wait to the next and dropped lazily ({@link FdWatchers#keep}), which the socket
 * allows because its {@code close()} tells the loop first. A wait ends with the socket ready, the
 * task cancelled, or the socket closed by someone else, which throws {@link SocketException}
 * "Socket closed" (what java.net throws to a thread blocked on a socket another one closes).
 */
final class SocketWaits {
    private SocketWaits() {}

    /**
     * Suspends the current task until {@code handle} is ready in {@code direction}.
     *
     * @throws IllegalStateException if another task already waits on it that way
     * @throws SocketException if the socket is closed while the task waits
     */
    static void await(long handle, int direction) throws IOException {
        Task<?> task = Tasks.current();
        FdWatchers watchers = task.loop().watchers();
        if (watchers.has(handle, direction)) {
            throw alreadyWaiting(handle, direction);
        }
        long generation = watchers.keep(handle, direction, task.wakeNow, task.wake);
        try {
            task.suspend();
        } finally {
            watchers.release(handle, direction, generation);
        }
        if (watchers.generation(handle) != generation) {
            throw closedWhileWaiting(handle, direction);
        }
    }

    // The messages are built apart: kept out of await, whose compiled code then stays small
    // enough for the JIT to inline it into the read or write that waits (one stack frame less
    // for the task's continuation to copy at every wait).

    private static IllegalStateException alreadyWaiting(long handle, int direction) {
        return new IllegalStateException("handle " + handle + " already has a "
                + (direction == FdWatchers.READ ? "reader" : "writer"));
    }

    private static SocketException closedWhileWaiting(long handle, int direction) {
        // readiness: the wait does not know whether a read or an accept comes next
        return new SocketException("Socket closed while a task waited for it to become "
                + (direction == FdWatchers.READ ? "readable" : "writable") + " (fd=" + handle + ")");
    }

    /** The watchers of the current task's loop. @throws IllegalStateException outside a task */
    static FdWatchers watchers() {
        return Tasks.current().loop().watchers();
    }

    /** Notes what a read of {@code handle} returned: less than {@code asked} means probably drained (Netty's hint). */
    static void readReturned(FdWatchers watchers, long handle, long asked, int got) {
        boolean drained = got > 0 && got < asked;
        if (drained || watchers.drained(handle)) {
            watchers.setDrained(handle, drained);
        }
    }
}
