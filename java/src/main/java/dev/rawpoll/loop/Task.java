package dev.rawpoll.loop;

import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

/**
 * A coroutine run by an {@link EventLoop}: sequential code that suspends at {@link
 * Tasks#await}, {@link Tasks#sleep} or an {@link AsyncSockets} call and is resumed by the loop
 * thread when what it waits for is done, its timer fires or its socket is ready. Made by {@link
 * EventLoop#spawn} or {@link Tasks#spawn}; as a {@link Promise} it completes with the body's
 * value or exception.
 *
 * <p><b>A failure nothing observes is reported</b> (asyncio's "Task exception was never
 * retrieved"), at a moment that does not depend on the garbage collector: when the body ends
 * with an exception other than a {@link CancellationException} while no task awaits it, no
 * {@link Promise#onDone done-callback} (a {@link Tasks#gather}, say) waits for it and it is not
 * the promise of {@link EventLoop#runUntilComplete}, the loop looks again at the end of that
 * pass; if by then nothing has read it ({@link #result()}, {@link #exception()}, an await, a
 * done-callback added since), the loop's exception handler gets an {@link
 * UnobservedTaskException} carrying the task and, as its cause, the failure. So a task that
 * awaits another one spawned just before it is never a false report. The failure stays the
 * task's: a later {@link #result()} or await still throws it. A task whose outcome is read only
 * in some later pass is reported: add a done-callback (or gather it) before it ends. A
 * cancelled task is never reported. A plain {@link Promise} is not: it belongs to the code that
 * failed it.
 *
 * <p>Runs on {@code jdk.internal.vm.Continuation}: the JVM needs {@code --add-exports
 * java.base/jdk.internal.vm=dev.rawpoll} ({@code =ALL-UNNAMED} on the class path). Without it the
 * first use throws an {@link UnsupportedOperationException} naming that flag. See {@link
 * Coroutine} for where a task cannot suspend.
 */
public final class Task<T> extends Promise<T> {
    private final Coroutine coroutine;
    private final TaskBody<T> body;
    private final Runnable step = this::step;
    /** What a wait registers (a promise callback, a timer, a watcher): makes the task runnable. */
    final Runnable wake = this::wake;
    final Consumer<Promise<?>> wakeOnDone = p -> wake();
    /** What an I/O wait registers: runs the task at once, in the pass whose poll found it ready. */
    final Runnable wakeNow = this::wakeNow;
    private boolean started;
    private boolean suspended;
    /** A step is in the loop's ready queue. */
    private boolean scheduled;
    /** {@link #cancel()} was called and no await has thrown for it yet. */
    private boolean cancelRequested;
    /** Cancellations asked for and not withdrawn by {@link #uncancel()} (asyncio's {@code cancelling()}). */
    private int cancelRequests;
    private T outcomeValue;
    private Throwable outcomeFailure;

    Task(EventLoop loop, TaskBody<T> body) {
        super(loop);
        CoroutineSupport.ensureAvailable();
        this.body = body;
        this.coroutine = new Coroutine(this, this::runBody);
    }

    /**
     * Asks the task to stop: its current (or next) suspension point throws a {@link
     * CancellationException}, which the body may catch; a task not started yet never starts.
     * The task ends cancelled if that exception leaves its body. Returns false if it was done.
     * On the loop thread; from another thread use {@code loop.execute(task::cancel)}.
     */
    @Override
    public boolean cancel() {
        loop().state.check();
        if (isDone()) {
            return false;
        }
        cancelRequested = true;
        cancelRequests++;
        if (!started || suspended) {
            wake();
        }
        return true;
    }

    /**
     * Withdraws one cancellation ({@link Tasks#withTimeout} withdraws its own); when none is left,
     * one that no await has thrown yet is dropped too. Returns how many are left.
     */
    int uncancel() {
        if (cancelRequests > 0 && --cancelRequests == 0) {
            cancelRequested = false;
        }
        return cancelRequests;
    }

    /** How many cancellations are asked for and not withdrawn. */
    int cancelRequests() {
        return cancelRequests;
    }

    void schedule() {
        scheduled = true;
        loop().callSoon(step);
    }

    /** Makes a suspended (or new) task run in the next pass; nothing if it is already due. */
    void wake() {
        if (!scheduled && !isDone() && (suspended || !started)) {
            schedule();
        }
    }

    /**
     * Resumes a suspended task right now, from the loop's run phase (an I/O callback), instead of
     * one pass later; nothing if a step is already due or it is not suspended.
     */
    private void wakeNow() {
        if (!scheduled && !isDone() && suspended) {
            step();
        }
    }

    /**
     * Suspends the running task (this one) until {@link #wake()}.
     *
     * @throws CancellationException if the task was cancelled, before or while suspended
     */
    void suspend() {
        // The exceptions are made apart: this is on every wait's path and should stay small
        // enough to be inlined with the wait (one frame less in the continuation).
        if (cancelRequested) {
            throw consumeCancel();
        }
        suspended = true;
        try {
            Coroutine.suspend();
        } finally {
            suspended = false;
        }
        if (cancelRequested) {
            throw consumeCancel();
        }
    }

    /**
     * Asks again for the cancellation a wait consumed but could not honour (its operation had
     * completed with a result that must not be lost): the task's next wait throws it.
     */
    void restoreCancel() {
        cancelRequested = true;
    }

    /** The cancellation a wait throws, now that it has been asked for: consumed, so thrown once. */
    private CancellationException consumeCancel() {
        cancelRequested = false;
        return new CancellationException("task cancelled");
    }

    private void step() {
        scheduled = false;
        if (isDone()) {
            return;
        }
        if (!started && cancelRequested) {
            finish(null, new CancellationException("task cancelled before it started"));
            return;
        }
        started = true;
        coroutine.resume();
        if (coroutine.isDone()) {
            finish(outcomeValue, outcomeFailure);
        }
    }

    private void runBody() {
        try {
            outcomeValue = body.run();
        } catch (Throwable e) {
            outcomeFailure = e;
        }
    }

    private void finish(T value, Throwable failure) {
        outcomeValue = null;
        outcomeFailure = null;
        loop().tasks().finished(this);
        if (failure != null && !isObserved() && !(failure instanceof CancellationException)) {
            loop().tasks().failedUnobserved(this);
        }
        settle(value, failure);
    }

    /**
     * At the end of a pass: reports each of {@code failed} that nothing has observed since it
     * failed, and empties the list (before reporting: a handler's VirtualMachineError leaves the
     * rest for the next pass, none twice).
     */
    static void reportUnobserved(java.util.List<Task<?>> failed) {
        while (!failed.isEmpty()) {
            Task<?> task = failed.removeFirst();
            if (!task.retrieved) {
                task.retrieved = true; // once
                task.loop().reportException(new UnobservedTaskException(task, task.exception()));
            }
        }
    }
}
