package dev.rawpoll.loop;

/**
 * What the loop's {@link EventLoop#setExceptionHandler exception handler} gets when a {@link
 * Task} fails and nothing observes it (asyncio's "Task exception was never retrieved"; {@link
 * Task} says exactly when). Its {@link #getCause() cause} is the task's failure.
 */
public final class UnobservedTaskException extends RuntimeException {
    private final transient Task<?> task;

    UnobservedTaskException(Task<?> task, Throwable failure) {
        super("Task exception was never retrieved: nothing awaited or observed the task, which failed with " + failure,
                failure);
        this.task = task;
    }

    /** The task that failed. */
    public Task<?> task() {
        return task;
    }
}
