package dev.rawpoll.loop;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The task bookkeeping of one loop, kept out of {@link EventLoop}: its unfinished tasks, so that
 * {@link EventLoop#close()} can cancel them and let their {@code finally} blocks run before the
 * poller goes (asyncio's {@code all_tasks} and the cancellation in {@code asyncio.run}), and the
 * tasks that failed with nothing observing them, reported when the pass ends (asyncio's "Task
 * exception was never retrieved"). Loop thread only.
 */
final class LiveTasks {
    private final Set<Task<?>> live = new HashSet<>();
    /** Tasks that failed in this pass with no observer at that moment (see {@link Task}). */
    private final ArrayList<Task<?>> failedUnobserved = new ArrayList<>();

    <T> Task<T> spawn(EventLoop loop, TaskBody<T> body) {
        Task<T> task = new Task<>(loop, body);
        live.add(task);
        task.schedule();
        return task;
    }

    void finished(Task<?> task) {
        live.remove(task);
    }

    /** {@code task} failed with nothing observing it yet: looked at again when the pass ends. */
    void failedUnobserved(Task<?> task) {
        failedUnobserved.add(task);
    }

    /** The last phase of a pass: reports the task failures that nothing has observed by now. */
    void reportUnobservedFailures() {
        if (!failedUnobserved.isEmpty()) {
            Task.reportUnobserved(failedUnobserved);
        }
    }

    /**
     * Cancels every unfinished task and runs passes of {@code loop} until they finish; a task
     * that ignores cancellation is cancelled again each pass and after {@code maxPasses} passes
     * abandoned with a report to the exception handler.
     */
    void cancelAll(EventLoop loop, int maxPasses) {
        for (int i = 0; i < maxPasses && !live.isEmpty(); i++) {
            for (Task<?> task : new ArrayList<>(live)) {
                task.cancel();
            }
            loop.runOnce(10, TimeUnit.MILLISECONDS);
        }
        if (!live.isEmpty()) {
            loop.reportException(new IllegalStateException(
                    live.size() + " task(s) ignored cancellation and were abandoned by close()"));
            live.clear();
        }
    }
}
