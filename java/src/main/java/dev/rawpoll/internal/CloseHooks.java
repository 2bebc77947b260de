package dev.rawpoll.internal;

import java.util.concurrent.ConcurrentHashMap;

/**
 * What must happen before a descriptor number is released: an event loop that keeps a
 * registration for a socket between waits sets a hook for its number, and the socket calls
 * {@link #beforeClose} first thing in its {@code close()}, before close(2). The loop then
 * deregisters the number and wakes whoever waits on it while the number is still this socket's,
 * so no event of the old socket can reach a new one that gets the same number (libuv's {@code
 * uv_close} order: stop the watcher, then release the descriptor).
 *
 * <p>Keyed by number, since a number names one open socket at a time. Any thread; a hook decides
 * itself whether the calling thread may close (it throws to refuse, and the socket then stays
 * open). Module-internal: not exported.
 */
public final class CloseHooks {
    /** Runs on the closing thread before the descriptor is closed; throws to refuse the close. */
    @FunctionalInterface
    public interface Hook {
        void beforeClose(long handle);
    }

    private static final ConcurrentHashMap<Long, Hook> HOOKS = new ConcurrentHashMap<>();

    private CloseHooks() {}

    /** Sets the hook of {@code handle}, replacing any other. */
    public static void set(long handle, Hook hook) {
        HOOKS.put(handle, hook);
    }

    /** Removes the hook of {@code handle} if it is {@code hook}. */
    public static void remove(long handle, Hook hook) {
        HOOKS.remove(handle, hook);
    }

    /** Runs the hook of {@code handle}, if any, and then drops it; a hook that throws stays. */
    public static void beforeClose(long handle) {
        Hook hook = HOOKS.get(handle);
        if (hook != null) {
            hook.beforeClose(handle);
            HOOKS.remove(handle, hook);
        }
    }
}
