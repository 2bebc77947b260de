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
     * Suspends {@code task}, the running one, until {@code handle} is ready in {@code direction}.
     * The caller passes the task and its loop's watchers it already has: this method is on every
     * wait's path and is kept small enough for the JIT to inline it into the read or write that
     * waits, so the task's continuation has one frame less to copy at every suspension and
     * resumption (and the watcher is looked up once per wait).
     *
     * @throws IllegalStateException if another task already waits on it that way
     * @throws SocketException if the socket is closed while the task waits
     */
    static void await(Task<?> task, FdWatchers watchers, long handle, int direction) throws IOException {
        FdWatchers.Watcher w = watchers.keep(handle, direction, task.wakeNow, task.wake);
        long generation = w.generation;
        try {
            task.suspend();
        } finally {
            watchers.release(w, direction, generation);
        }
        if (w.generation != generation) {
            throw closedWhileWaiting(handle, direction);
        }
    }

    // The message is built apart: kept out of await, whose compiled code then stays small.

    private static SocketException closedWhileWaiting(long handle, int direction) {
        // readiness: the wait does not know whether a read or an accept comes next
        return new SocketException("Socket closed while a task waited for it to become "
                + (direction == FdWatchers.READ ? "readable" : "writable") + " (fd=" + handle + ")");
    }

    /** Notes what a read of {@code handle} returned: less than {@code asked} means probably drained (Netty's hint). */
    static void readReturned(FdWatchers watchers, long handle, long asked, int got) {
        boolean drained = got > 0 && got < asked;
        if (drained || watchers.drained(handle)) {
            watchers.setDrained(handle, drained);
        }
    }
}
