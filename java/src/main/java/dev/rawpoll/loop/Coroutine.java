package dev.rawpoll.loop;

import jdk.internal.vm.Continuation;
import jdk.internal.vm.ContinuationScope;

/**
 * The continuation of one {@link Task}: {@link #resume()} runs it on the calling (loop) thread
 * until it {@link #suspend()}s or ends. Loaded only after {@link CoroutineSupport#ensureAvailable()}.
 *
 * <p>Pinning: a continuation cannot be suspended while a native frame is on its stack (inside a
 * downcall's upcall) or inside a {@code Continuation.pin()} critical section; {@link #suspend()}
 * then throws an {@link IllegalStateException} saying so, at the await that tried. Holding a
 * monitor ({@code synchronized}) does not pin on JDK 24 and later (JEP 491), but the monitor
 * stays held by the loop thread while the task is suspended: never await inside {@code
 * synchronized}.
 */
final class Coroutine extends Continuation {
    private static final ContinuationScope SCOPE = new ContinuationScope("dev.rawpoll.loop.Task");

    final Task<?> task;

    Coroutine(Task<?> task, Runnable body) {
        super(SCOPE, body);
        this.task = task;
    }

    /** The task whose continuation is running on this thread, or null. */
    static Task<?> currentTask() {
        return Continuation.getCurrentContinuation(SCOPE) instanceof Coroutine c ? c.task : null;
    }

    /** Runs until the next suspend or the end. */
    void resume() {
        run();
    }

    /** Suspends the current task's continuation; returns when the loop resumes it. */
    static void suspend() {
        Continuation.yield(SCOPE);
    }

    @Override
    protected void onPinned(Continuation.Pinned reason) {
        throw new IllegalStateException("a task cannot suspend here: its continuation is pinned (" + reason
                + "): await is not allowed inside a native call or a pinned critical section");
    }
}
