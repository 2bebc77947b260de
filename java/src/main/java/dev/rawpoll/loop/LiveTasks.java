package dev.rawpoll.loop;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The unfinished tasks of one loop, so that {@link EventLoop#close()} can cancel them and let
 * their {@code finally} blocks run before the poller goes (asyncio's {@code all_tasks} and the
 * cancellation in {@code asyncio.run}). Loop thread only.
 */
final class LiveTasks {
    private final Set<Task<?>> live = new HashSet<>();

    <T> Task<T> spawn(EventLoop loop, TaskBody<T> body) {
        Task<T> task = new Task<>(loop, body);
        live.add(task);
        task.schedule();
        return task;
    }

    void finished(Task<?> task) {
        live.remove(task);
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
