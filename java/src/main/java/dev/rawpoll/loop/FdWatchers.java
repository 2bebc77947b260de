package dev.rawpoll.loop;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.CloseHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The callbacks of each watched handle, one per direction ({@link #READ}, {@link #WRITE}), kept
 * in step with the poller, level-triggered; the token of a registration is the handle itself.
 *
 * <p>Two ways to watch. {@link #set} (asyncio's {@code add_reader}/{@code remove_reader}) changes
 * the registration at once, so the caller may close the handle right after removing its callback.
 * {@link #keep}/{@link #release} is for sockets whose close tells the loop first ({@link
 * CloseHooks}): a released direction stays registered until {@link #flush()}, which the loop calls
 * once per pass just before it waits (libuv's watcher queue in {@code uv__io_poll}, the JDK's
 * {@code processUpdateQueue}). A task that resumes and waits again for the same direction within
 * the pass thus costs no system call; a registration nobody wants any more is gone before the
 * next wait, and {@link #forget} drops one at once when its socket closes, before its number is
 * released. An interest that grows is registered at once either way, so a bad handle fails the
 * call that adds it.
 *
 * <p>An event runs the callbacks at once, from the loop's walk over the poller's events ({@link
 * #dispatch}, libuv's {@code uv__io_poll} calling {@code w->cb}): no queue in between. Each event is
 * read after the callbacks of the events before it ran, so a handle whose callback an earlier one
 * removed, or that it deregistered or closed (its number perhaps reused), gets nothing (the
 * poller masks the event with the current registration, and the watcher has no callback). Small
 * handles (Unix descriptors) index an array whose watchers are reused, so watching again and again
 * allocates nothing; other handles use a map.
 */
final class FdWatchers {
    static final int READ = 0;
    static final int WRITE = 1;
    private static final int[] INTEREST = {Interest.READABLE, Interest.WRITABLE};
    private static final int ARRAY_LIMIT = 1 << 20;

    /** The watch of one handle. */
    static final class Watcher {
        final long handle;
        /** Indexed by direction: what runs when the handle is ready that way. */
        final Runnable[] callbacks = new Runnable[2];
        /** Indexed by direction: run instead of {@link #callbacks} when the socket is closed. */
        final Runnable[] onClose = new Runnable[2];
        /** The interest the poller has; 0 when not registered. */
        int registered;
        /** In the change queue that {@link #flush()} applies. */
        boolean changeQueued;
        /** A close hook is set for the handle. */
        boolean hooked;
        /** The last read returned less than it asked for: the next one should wait first. */
        boolean drained;
        /** Changes when the handle is forgotten: a waiter that sees another one knows it was closed. */
        long generation;

        Watcher(long handle, long generation) {
            this.handle = handle;
            this.generation = generation;
        }

        int wanted() {
            return (callbacks[READ] != null ? Interest.READABLE : 0) | (callbacks[WRITE] != null ? Interest.WRITABLE : 0);
        }
    }

    private final Poller poller;
    /** Runs the callbacks (what one throws is reported): the loop's. */
    private final LoopFaults faults;
    private final CloseHooks.Hook hook;
    private Watcher[] small = new Watcher[64];
    private final Map<Long, Watcher> large = new HashMap<>();
    private Watcher[] changes = new Watcher[16];
    private int changeCount;
    private long generations;
    /** How many handles are registered with the poller. */
    private int count;

    FdWatchers(Poller poller, LoopFaults faults, CloseHooks.Hook hook) {
        this.poller = poller;
        this.faults = faults;
        this.hook = hook;
    }

    int count() {
        return count;
    }

    /** Sets (or with null removes) the callback of one direction and syncs the registration now. */
    void set(long handle, int direction, Runnable callback) throws IOException {
        Watcher w = watcher(handle, callback != null);
        if (w != null) {
            w.callbacks[direction] = callback;
            w.onClose[direction] = null;
            sync(w);
        }
    }

    boolean has(long handle, int direction) {
        Watcher w = watcher(handle, false);
        return w != null && w.callbacks[direction] != null;
    }

    /** Removes the callback of one direction ({@link EventLoop#removeReader}); false if there was none. */
    boolean remove(long handle, int direction) {
        if (!has(handle, direction)) {
            return false;
        }
        try {
            set(handle, direction, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    /**
     * Sets the callback of one direction of a socket handle, keeping its registration after
     * {@link #release} until the next {@link #flush()}; {@code onClose} runs instead if the
     * socket is closed first. Returns the handle's watcher: a task's wait holds it across its
     * suspension and passes it, with the {@link Watcher#generation} it had here, to {@link
     * #release} (the same object stays the handle's until the handle is forgotten, which changes
     * the generation), so a wait looks the handle up once.
     *
     * @throws IllegalStateException if the direction already has a callback
     */
    Watcher keep(long handle, int direction, Runnable callback, Runnable onClose) throws IOException {
        Watcher w = watcher(handle, true);
        if (w.callbacks[direction] != null) {
            throw alreadyWatched(handle, direction);
        }
        w.callbacks[direction] = callback;
        w.onClose[direction] = onClose;
        if ((INTEREST[direction] & ~w.registered) != 0 || !w.hooked) {
            register(w);
        }
        return w;
    }

    /** {@link #keep}'s first wait in a direction: registers (or widens) and sets the close hook. */
    private void register(Watcher w) throws IOException {
        if ((w.wanted() & ~w.registered) != 0) {
            sync(w);
        }
        if (!w.hooked && w.registered != 0) {
            w.hooked = true;
            CloseHooks.set(w.handle, hook);
        }
    }

    /**
     * Removes a callback set by {@link #keep} that returned {@code w} with {@code generation};
     * the registration goes at the next flush. Nothing if the handle was forgotten (closed)
     * meanwhile: its number may be someone else's now.
     */
    void release(Watcher w, int direction, long generation) {
        if (w.generation != generation) {
            return;
        }
        w.callbacks[direction] = null;
        w.onClose[direction] = null;
        if (w.wanted() != w.registered && !w.changeQueued) {
            queueChange(w);
        }
    }

    private void queueChange(Watcher w) {
        if (changeCount == changes.length) {
            changes = Arrays.copyOf(changes, changeCount * 2);
        }
        changes[changeCount++] = w;
        w.changeQueued = true;
    }

    /** Built apart from {@link #keep}, which is on every wait's path and so stays small. */
    static IllegalStateException alreadyWatched(long handle, int direction) {
        return new IllegalStateException("handle " + handle + " already has a " + (direction == READ ? "reader" : "writer"));
    }

    boolean drained(long handle) {
        Watcher w = watcher(handle, false);
        return w != null && w.drained;
    }

    void setDrained(long handle, boolean drained) {
        Watcher w = watcher(handle, drained);
        if (w != null) {
            w.drained = drained;
        }
    }

    /** Applies the queued changes: drops what nobody wants any more. Once per pass, before the wait. */
    void flush() {
        for (int i = 0; i < changeCount; i++) {
            Watcher w = changes[i];
            changes[i] = null;
            w.changeQueued = false;
            try {
                sync(w);
            } catch (IOException | RuntimeException e) {
                // Closed without telling the loop: the kernel dropped the registration already.
                unregistered(w);
            }
        }
        changeCount = 0;
    }

    /**
     * The socket {@code handle} is being closed: deregisters it now, while the number is still
     * its own, runs the close callbacks of its waiters and forgets its callbacks.
     */
    void forget(long handle) {
        Watcher w = watcher(handle, false);
        if (w == null) {
            return;
        }
        Runnable closedRead = w.onClose[READ];
        Runnable closedWrite = w.onClose[WRITE];
        reset(w);
        // They only schedule their task (which then sees the new generation), so they run here.
        if (closedRead != null) {
            closedRead.run();
        }
        if (closedWrite != null) {
            closedWrite.run();
        }
    }

    /**
     * Runs the callbacks of {@code handle} that {@code readiness} makes runnable, reader first,
     * each through {@link LoopFaults#run} (what one throws is reported and the rest goes on).
     * Called from the walk over the poller's events ({@link dev.rawpoll.Events#forEach}), which
     * reads each event only after the callbacks of the events before it ran.
     */
    void dispatch(long handle, int readiness) {
        Watcher w = watcher(handle, false);
        if (w == null) {
            return;
        }
        // HANGUP and ERROR already set the interested directions (Readiness' rules).
        Runnable writer = (readiness & Readiness.WRITABLE) != 0 ? w.callbacks[WRITE] : null;
        if ((readiness & Readiness.READABLE) != 0) {
            Runnable reader = w.callbacks[READ];
            if (reader != null) {
                long generation = w.generation;
                faults.run(reader);
                // The reader may have removed or replaced the writer, or closed the handle (whose
                // number a new socket may hold now): that writer was not ready at the poll.
                if (w.callbacks[WRITE] != writer || w.generation != generation) {
                    return;
                }
            }
        }
        if (writer != null) {
            faults.run(writer);
        }
    }

    /** Deregisters every handle (the poller owns none of them) and forgets all callbacks. */
    void clear() {
        for (Watcher w : small) {
            if (w != null) {
                reset(w);
            }
        }
        for (Watcher w : large.values().toArray(Watcher[]::new)) {
            reset(w);
        }
        Arrays.fill(changes, 0, changeCount, null);
        changeCount = 0;
        count = 0;
    }

    private void reset(Watcher w) {
        if (w.registered != 0 && poller.isOpen()) {
            try {
                poller.deregister(w.handle);
            } catch (IOException | RuntimeException e) {
                // Closed without telling the loop: the kernel dropped it already.
            }
        }
        unregistered(w);
        Arrays.fill(w.callbacks, null);
        Arrays.fill(w.onClose, null);
        w.drained = false;
        w.generation = ++generations;
        if (w.handle >= ARRAY_LIMIT && !w.changeQueued) {
            large.remove(w.handle);
        }
    }

    /** The poller no longer has the handle. */
    private void unregistered(Watcher w) {
        if (w.registered != 0) {
            w.registered = 0;
            count--;
        }
        if (w.hooked) {
            w.hooked = false;
            CloseHooks.remove(w.handle, hook);
        }
    }

    /** Makes the registration exactly what the callbacks want. */
    private void sync(Watcher w) throws IOException {
        int wanted = w.wanted();
        if (wanted == w.registered) {
            return;
        }
        if (wanted == 0) {
            unregistered(w);
            try {
                poller.deregister(w.handle);
            } catch (IOException e) {
                // EBADF: the handle was closed before its watcher was removed; the poller
                // forgot it anyway, as selectors.py's unregister does.
            }
            return;
        }
        try {
            if (w.registered == 0) {
                poller.register(w.handle, wanted, w.handle);
                count++;
            } else {
                poller.modify(w.handle, wanted, w.handle);
            }
            w.registered = wanted;
        } catch (IOException | RuntimeException e) {
            // Keep the callbacks consistent with what the poller has.
            for (int d = READ; d <= WRITE; d++) {
                if ((w.registered & INTEREST[d]) == 0) {
                    w.callbacks[d] = null;
                    w.onClose[d] = null;
                }
            }
            throw e;
        }
    }

    /** Built apart from {@link #watcher}, which is on every wait's path and so stays small. */
    private static IllegalArgumentException notAHandle(long handle) {
        return new IllegalArgumentException("not a handle: " + handle);
    }

    private Watcher watcher(long handle, boolean create) {
        // The common case, a descriptor already watched, inline; the rest (a new watcher, a grown
        // table, a handle too large for the table, a bad handle) apart, so that the waits that
        // call this stay small enough to be inlined.
        Watcher[] table = small;
        if (handle >= 0 && handle < table.length && handle < ARRAY_LIMIT) {
            Watcher w = table[(int) handle];
            if (w != null || !create) {
                return w;
            }
        }
        return watcherElsewhere(handle, create);
    }

    private Watcher watcherElsewhere(long handle, boolean create) {
        if (handle < 0) {
            throw notAHandle(handle);
        }
        if (handle < ARRAY_LIMIT) {
            int i = (int) handle;
            if (i >= small.length) {
                if (!create) {
                    return null;
                }
                small = Arrays.copyOf(small, Math.max(i + 1, small.length * 2));
            }
            Watcher w = small[i];
            if (w == null && create) {
                w = small[i] = new Watcher(handle, ++generations);
            }
            return w;
        }
        Watcher w = large.get(handle);
        if (w == null && create) {
            w = new Watcher(handle, ++generations);
            large.put(handle, w);
        }
        return w;
    }
}
