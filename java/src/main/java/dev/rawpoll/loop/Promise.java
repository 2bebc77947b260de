package dev.rawpoll.loop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A result that a loop's callbacks or tasks complete later (asyncio's {@code Future}): pending,
 * then exactly once a value, an exception, or cancelled. Used on its loop's thread only; another
 * thread completes it through {@link EventLoop#execute}.
 *
 * <p>Callbacks added with {@link #onDone} run on the loop thread in the order they were added:
 * right when the promise completes (so keep them short, as a task's wake-up is: it only
 * schedules the task), or in the next pass if it was already done.
 */
public class Promise<T> {
    private static final Object PENDING = new Object();

    private final EventLoop loop;
    private Object value = PENDING;
    private Throwable failure;
    /** One callback needs no list: the usual case, a single awaiting task. */
    private Consumer<? super Promise<T>> callback;
    private List<Consumer<? super Promise<T>>> moreCallbacks;

    /**
     * Something read or will read the outcome: {@link #result()}, {@link #exception()}, a
     * done-callback added once it was done, {@link EventLoop#runUntilComplete}.
     */
    boolean retrieved;

    Promise(EventLoop loop) {
        this.loop = loop;
    }

    public final EventLoop loop() {
        return loop;
    }

    /** Completes with {@code value}; false if already done. */
    public final boolean complete(T value) {
        refuseTask();
        return settle(value, null);
    }

    /** Completes with {@code exception}, which awaiters get thrown; false if already done. */
    public final boolean fail(Throwable exception) {
        refuseTask();
        return settle(null, java.util.Objects.requireNonNull(exception, "exception"));
    }

    /** Completes with a value ({@code failure == null}) or an exception; false if already done. */
    final boolean settle(T value, Throwable failure) {
        loop.state.check();
        if (isDone()) {
            return false;
        }
        this.value = failure == null ? value : null;
        this.failure = failure;
        runCallbacks();
        return true;
    }

    private void refuseTask() {
        if (this instanceof Task) {
            throw new UnsupportedOperationException("a task completes by returning or throwing from its body");
        }
    }

    /**
     * Completes with a {@link CancellationException}; false if already done. A {@link Task}
     * instead throws that exception at its await point and may catch it.
     */
    public boolean cancel() {
        return settle(null, new CancellationException("cancelled"));
    }

    public final boolean isDone() {
        return value != PENDING;
    }

    /** Whether it completed with a {@link CancellationException}. */
    public final boolean isCancelled() {
        return failure instanceof CancellationException;
    }

    /**
     * The value, or the exception it failed with thrown as is (checked ones too: it is the one
     * the failing code threw); a {@link CancellationException} if cancelled.
     *
     * @throws IllegalStateException if still pending
     */
    @SuppressWarnings("unchecked")
    public final T result() throws Exception {
        ensureDone();
        retrieved = true;
        if (failure != null) {
            throw Tasks.rethrow(failure);
        }
        return (T) value;
    }

    /** The exception it failed with, or null if it has a value. @throws IllegalStateException if pending */
    public final Throwable exception() {
        ensureDone();
        retrieved = true;
        return failure;
    }

    /** Calls {@code callback} with this promise once it is done (see the class comment). */
    public final void onDone(Consumer<? super Promise<T>> callback) {
        loop.state.check();
        java.util.Objects.requireNonNull(callback, "callback");
        if (isDone()) {
            retrieved = true;
            loop.callSoon(() -> callback.accept(this));
        } else if (this.callback == null && (moreCallbacks == null || moreCallbacks.isEmpty())) {
            this.callback = callback;
        } else {
            if (moreCallbacks == null) {
                moreCallbacks = new ArrayList<>(2);
            }
            moreCallbacks.add(callback);
        }
    }

    /** Removes a callback added by {@link #onDone} that has not run; returns whether it was there. */
    public final boolean removeCallback(Consumer<? super Promise<T>> callback) {
        if (this.callback == callback) {
            this.callback = null;
            return true;
        }
        return moreCallbacks != null && moreCallbacks.remove(callback);
    }

    /** Whether something sees its outcome: a done-callback (an awaiting task, a gather) or a reader of it. */
    final boolean isObserved() {
        return retrieved || callback != null || (moreCallbacks != null && !moreCallbacks.isEmpty());
    }

    private void ensureDone() {
        if (!isDone()) {
            throw new IllegalStateException("promise is still pending");
        }
    }

    private void runCallbacks() {
        Consumer<? super Promise<T>> first = callback;
        List<Consumer<? super Promise<T>>> more = moreCallbacks;
        callback = null;
        moreCallbacks = null;
        int next = 0; // the first of "more" that has not started
        try {
            if (first != null) {
                runCallback(first);
            }
            while (more != null && next < more.size()) {
                runCallback(more.get(next++));
            }
        } catch (VirtualMachineError e) {
            // It leaves the pass (EventLoop#setExceptionHandler); the callbacks after the one that
            // threw are not lost: they run in the next pass.
            for (; more != null && next < more.size(); next++) {
                Consumer<? super Promise<T>> c = more.get(next);
                loop.callSoon(() -> c.accept(this));
            }
            throw e;
        }
    }

    /** Runs one done-callback; whatever it throws goes to the loop's exception handler. */
    private void runCallback(Consumer<? super Promise<T>> c) {
        try {
            c.accept(this);
        } catch (Throwable e) { // any Throwable: one callback must not skip the others
            loop.reportException(e);
        }
    }

    @Override
    public String toString() {
        String state = !isDone() ? "pending" : failure == null ? "value=" + value
                : isCancelled() ? "cancelled" : "failed: " + failure;
        return getClass().getSimpleName() + "[" + state + "]";
    }
}
