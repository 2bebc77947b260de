package dev.rawpoll.loop;

/**
 * Who runs an {@link EventLoop}, and whether it is stopping or closed: the checks that the loop's
 * run methods make on entry ({@link #enter}) and that every loop-thread-only method makes
 * ({@link #check}), as asyncio's {@code _check_closed} and {@code _check_running} and the one
 * running thread of the JDK's {@code Selector}. Split out of {@code EventLoop}; its fields are
 * read by other threads ({@link EventLoop#execute} refuses a closed loop, {@link
 * EventLoop#stop()} sets {@link #stopping} from any thread). Callers reach it as {@code
 * loop.state}, a field, so that a check costs no call level more than it did.
 */
final class LoopState {
    /** The thread in a run method, or null. */
    volatile Thread running;
    /** {@link EventLoop#stop()} was asked: the run methods return after the current pass. */
    volatile boolean stopping;
    volatile boolean closed;

    /** A run method begins on this thread: refuses a closed loop, and a second run of it. */
    void enter() {
        if (closed) {
            throw new IllegalStateException("event loop is closed");
        }
        Thread current = Thread.currentThread();
        if (running == current) {
            throw new IllegalStateException("the loop is already running on this thread (called from a callback?)");
        }
        if (running != null) {
            throw new IllegalStateException("the loop is already running on " + running.getName());
        }
        running = current;
    }

    /** A run method ends: a stop asked for it is used up. */
    void exit() {
        running = null;
        stopping = false;
    }

    /** Loop-thread-only methods: refuse other threads while the loop runs, and a closed loop. */
    void check() {
        if (closed) {
            throw new IllegalStateException("event loop is closed");
        }
        Thread current = running;
        if (current != null && current != Thread.currentThread()) {
            throw new IllegalStateException("not on the loop thread (" + current.getName() + "): use execute()");
        }
    }
}
