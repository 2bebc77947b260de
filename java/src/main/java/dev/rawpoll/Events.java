package dev.rawpoll;

/**
 * The events of the last {@link Poller#poll poll}, read in place from a native array that the
 * poller fills; made by {@link Poller#newEvents(int)} and reused for every poll. Reading an event
 * allocates nothing.
 *
 * <p>An event can be <em>stale</em>: its handle was deregistered, or deregistered and registered
 * again, after the poll collected it (typically by code handling an earlier event of the same
 * batch). A stale event reads as {@link #readiness(int) readiness} {@code 0} and {@link
 * #token(int) token} {@link #NO_TOKEN}; skip every event whose readiness is 0, or use {@link
 * #forEach}, which does. For a handle that is still registered, {@link #token(int)} is its
 * current token and {@link #readiness(int)} is masked with its current interest.
 *
 * <p>An {@code Events} belongs to its poller (a poll with another poller's throws {@link
 * IllegalArgumentException}) but holds no reference to it: it is a passive array, read by the
 * thread that polled into it. Once the poller is closed, {@link #count()}, {@link #token}, {@link
 * #readiness} and {@link #forEach} throw {@link IllegalStateException}; {@link #capacity()} stays.
 */
public abstract sealed class Events permits dev.rawpoll.internal.EventArray {

    /** The token of a stale event. It cannot be registered. */
    public static final long NO_TOKEN = Long.MIN_VALUE;

    /** What {@link #forEach} calls for each event that is not stale. */
    @FunctionalInterface
    public interface Handler {
        void onEvent(long token, int readiness);
    }

    /** Only the one implementation inside rawpoll; {@link Poller#newEvents} makes them. */
    protected Events() {}

    /** How many events the last poll filled in. */
    public abstract int count();

    /** How many events a poll can fill in at most. */
    public abstract int capacity();

    /** The token of event {@code i}, {@code 0 <= i < count()}, or {@link #NO_TOKEN} if stale. */
    public abstract long token(int i);

    /** The {@link Readiness} bits of event {@code i}, {@code 0 <= i < count()}; 0 if stale. */
    public abstract int readiness(int i);

    /**
     * Calls {@code handler} for each event in order, skipping stale ones. The handler may
     * register, modify or deregister handles (and close a deregistered one, whose number may then
     * be reused); each later event is read after that and checked against the current
     * registrations (see {@link Poller}), as an event loop needs that runs its callbacks from here
     * ({@code PollerContractTest.forEachHandlerMayChangeTheRegistrationsOfLaterEvents}).
     */
    public void forEach(Handler handler) {
        int n = count();
        for (int i = 0; i < n; i++) {
            int r = readiness(i);
            if (r != 0) {
                handler.onEvent(token(i), r);
            }
        }
    }
}
