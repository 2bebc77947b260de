package dev.rawpoll.loop;

import dev.rawpoll.internal.CloseHooks;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The loop's close hook ({@link CloseHooks}) for the sockets its tasks keep registered: the
 * socket is forgotten (deregistered, its waiters woken) before its descriptor number is released.
 * On the loop thread, or while no thread runs the loop, that happens at once; from another thread
 * the loop thread finishes the close at the start of its next pass and only then releases the
 * descriptor (the JDK defers the close of a channel registered with a selector the same way).
 */
final class SocketCloses implements CloseHooks.Hook {
    /** A socket closed by another thread: forget {@code handle}, then run {@code release}. */
    private record Closing(long handle, Runnable release) {}

    private final EventLoop loop;
    private final ConcurrentLinkedQueue<Closing> pending = new ConcurrentLinkedQueue<>();
    private FdWatchers watchers;
    /** The operations in flight of a completion loop (io_uring), or null. */
    private CompletionOps operations;

    SocketCloses(EventLoop loop) {
        this.loop = loop;
    }

    void setWatchers(FdWatchers watchers) {
        this.watchers = watchers;
    }

    void setOperations(CompletionOps operations) {
        this.operations = operations;
    }

    /**
     * Whether operations in flight on {@code handle} keep {@code release} until their completions
     * (they are cancelled; {@link CompletionOps#closing}).
     */
    private boolean keptByOperations(long handle, Runnable release) {
        return operations != null && operations.closing(handle, release);
    }

    @Override
    public boolean beforeClose(long handle, Runnable release) {
        Thread running = loop.runningThread();
        if (loop.isClosed() || running == null || running == Thread.currentThread()) {
            if (!loop.isClosed()) {
                watchers.forget(handle);
                return keptByOperations(handle, release);
            }
            return false;
        }
        Closing close = new Closing(handle, release);
        pending.add(close);
        loop.wakeup();
        if (loop.isClosed() && pending.remove(close)) {
            release.run(); // the loop closed meanwhile and did not see it: its poller is gone
        }
        return true;
    }

    /** Loop thread, before the flush: finishes the closes other threads began. */
    void finishPending() {
        Closing close;
        while ((close = pending.poll()) != null) {
            watchers.forget(close.handle());
            if (!keptByOperations(close.handle(), close.release())) {
                close.release().run();
            }
        }
    }

    /** At loop close, after every handle was deregistered: releases what is still pending. */
    void releasePending() {
        Closing close;
        while ((close = pending.poll()) != null) {
            close.release().run(); // no task is left to wake
        }
    }
}
