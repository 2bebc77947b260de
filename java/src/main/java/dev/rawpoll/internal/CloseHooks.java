package dev.rawpoll.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What must happen before a descriptor number is released: an event loop that keeps a
 * registration for a socket between waits sets a hook for its number, and the socket's {@code
 * close()} goes through {@link #close}. The loop then deregisters the number and wakes whoever
 * waits on it while the number is still this socket's, so no event of the old socket can reach a
 * new one that gets the same number (libuv's {@code uv_close} order: stop the watcher, then
 * release the descriptor).
 *
 * <p>Keyed by number, since a number names one open socket at a time. Any thread: a hook that
 * cannot act on the calling thread takes the release over and runs it later on its own thread
 * (the JDK defers the close of a channel registered with a selector the same way).
 * Module-internal: not exported.
 */
public final class CloseHooks {
    /** Told that {@code handle} is being closed, on the closing thread. */
    @FunctionalInterface
    public interface Hook {
        /**
         * Returns false if the caller may release the descriptor now, true if the hook took
         * {@code release} over and runs it (exactly once) later.
         */
        boolean beforeClose(long handle, Runnable release);
    }

    /**
     * A poller whose registrations hold the registered file (io_uring: a poll request in flight
     * keeps a reference to it, so a close(2) of the number alone does not close it). Told of every
     * socket close that no {@link Hook} took over, before the release, so that it drops its
     * registration of the number, as epoll drops one when the file closes.
     */
    @FunctionalInterface
    public interface FileHolder {
        /** Forgets {@code handle}'s registration, if any, and lets go of its file; never throws. */
        void letGo(long handle);
    }

    private static final ConcurrentHashMap<Long, Hook> HOOKS = new ConcurrentHashMap<>();
    private static final CopyOnWriteArrayList<FileHolder> HOLDERS = new CopyOnWriteArrayList<>();

    private CloseHooks() {}

    /** Sets the hook of {@code handle}, replacing any other. */
    public static void set(long handle, Hook hook) {
        HOOKS.put(handle, hook);
    }

    /** Removes the hook of {@code handle} if it is {@code hook}. */
    public static void remove(long handle, Hook hook) {
        HOOKS.remove(handle, hook);
    }

    /** Adds a {@link FileHolder} (an io_uring poller, while it is open). */
    public static void addHolder(FileHolder holder) {
        HOLDERS.add(holder);
    }

    public static void removeHolder(FileHolder holder) {
        HOLDERS.remove(holder);
    }

    /**
     * Closes {@code handle}: tells its hook, if any, then, unless the hook took the release over,
     * tells every {@link FileHolder} and runs {@code release}. (A hook that takes it over is an
     * event loop's: it deregisters the number from its own poller first.)
     */
    public static void close(long handle, Runnable release) {
        Hook hook = HOOKS.remove(handle);
        if (hook == null || !hook.beforeClose(handle, release)) {
            if (!HOLDERS.isEmpty()) {
                for (FileHolder holder : HOLDERS) {
                    holder.letGo(handle);
                }
            }
            release.run();
        }
    }
}
