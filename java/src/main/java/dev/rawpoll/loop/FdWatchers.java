package dev.rawpoll.loop;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The reader and writer callbacks of each watched handle, kept in step with the poller
 * (asyncio's {@code add_reader}/{@code add_writer}): level-triggered, the interest is READABLE,
 * WRITABLE or both; removing one callback modifies the registration, removing the last one
 * deregisters the handle. The token of a registration is the handle itself.
 *
 * <p>Small handles (Unix descriptors) index an array whose entries are reused, so adding and
 * removing a watcher again and again allocates nothing; other handles use a map.
 */
final class FdWatchers {
    private static final int ARRAY_LIMIT = 1 << 20;

    /**
     * The callbacks of one handle. An event queues the watcher itself, not its callbacks, with
     * the readiness in {@link #pending}: a callback removed or replaced before the queue reaches
     * it then does not run (asyncio cancels the handle; libuv masks with the current interest).
     * Otherwise a task that resumed and waited again on the same handle would be woken by the
     * old event.
     */
    static final class Watcher {
        Runnable reader;
        Runnable writer;
        /** The interest the poller has for this handle; 0 when not registered. */
        int registered;
        /** Readiness queued for the callbacks and not run yet; 0 when not in the ready queue. */
        int pending;
    }

    private final Poller poller;
    private Watcher[] small = new Watcher[64];
    private final Map<Long, Watcher> large = new HashMap<>();
    /** How many handles are registered with the poller. */
    private int count;

    FdWatchers(Poller poller) {
        this.poller = poller;
    }

    int count() {
        return count;
    }

    void setReader(long handle, Runnable reader) throws IOException {
        Watcher w = watcher(handle, reader != null);
        if (w != null) {
            w.reader = reader;
            w.pending &= ~Readiness.READABLE;
            sync(handle, w);
        }
    }

    void setWriter(long handle, Runnable writer) throws IOException {
        Watcher w = watcher(handle, writer != null);
        if (w != null) {
            w.writer = writer;
            w.pending &= ~Readiness.WRITABLE;
            sync(handle, w);
        }
    }

    boolean hasReader(long handle) {
        Watcher w = watcher(handle, false);
        return w != null && w.reader != null;
    }

    boolean hasWriter(long handle) {
        Watcher w = watcher(handle, false);
        return w != null && w.writer != null;
    }

    /** Queues the watcher of {@code handle} if {@code readiness} makes one of its callbacks runnable. */
    void dispatch(long handle, int readiness, ArrayDeque<Object> ready) {
        Watcher w = watcher(handle, false);
        if (w == null) {
            return;
        }
        // Readiness is masked with the current interest, and HANGUP/ERROR already set the
        // interested directions (Readiness' rules): READABLE and WRITABLE say it all.
        int directions = readiness & (Readiness.READABLE | Readiness.WRITABLE);
        if (directions == 0) {
            return;
        }
        if (w.pending == 0) {
            ready.add(w);
        }
        w.pending |= directions;
    }

    /** Takes the reader to run for a queued watcher, if it is still wanted; null otherwise. */
    static Runnable takeReader(Watcher w) {
        boolean due = (w.pending & Readiness.READABLE) != 0;
        w.pending &= ~Readiness.READABLE;
        return due ? w.reader : null;
    }

    /** Takes the writer to run for a queued watcher, if it is still wanted; null otherwise. */
    static Runnable takeWriter(Watcher w) {
        boolean due = (w.pending & Readiness.WRITABLE) != 0;
        w.pending &= ~Readiness.WRITABLE;
        return due ? w.writer : null;
    }

    /** Deregisters every handle (the poller owns none of them) and forgets all callbacks. */
    void clear() {
        for (int i = 0; i < small.length; i++) {
            Watcher w = small[i];
            if (w != null) {
                forget(i, w);
            }
        }
        for (Map.Entry<Long, Watcher> e : large.entrySet()) {
            forget(e.getKey(), e.getValue());
        }
        large.clear();
        count = 0;
    }

    private void forget(long handle, Watcher w) {
        if (w.registered != 0 && poller.isOpen()) {
            try {
                poller.deregister(handle);
            } catch (IOException | RuntimeException e) {
                // A handle closed without removing its watcher: the kernel dropped it already.
            }
        }
        w.reader = null;
        w.writer = null;
        w.registered = 0;
        w.pending = 0;
    }

    private void sync(long handle, Watcher w) throws IOException {
        int wanted = (w.reader != null ? Interest.READABLE : 0) | (w.writer != null ? Interest.WRITABLE : 0);
        if (wanted == w.registered) {
            return;
        }
        try {
            if (w.registered == 0) {
                poller.register(handle, wanted, handle);
                count++;
            } else if (wanted == 0) {
                count--;
                w.registered = 0;
                try {
                    poller.deregister(handle);
                } catch (IOException e) {
                    // EBADF: the handle was closed before its watcher was removed; the poller
                    // forgot it anyway, as selectors.py's unregister does.
                }
                return;
            } else {
                poller.modify(handle, wanted, handle);
            }
            w.registered = wanted;
        } catch (IOException | RuntimeException e) {
            // Keep the callbacks consistent with what the poller has.
            if (w.registered == 0) {
                w.reader = null;
                w.writer = null;
            }
            throw e;
        }
    }

    private Watcher watcher(long handle, boolean create) {
        if (handle < 0) {
            throw new IllegalArgumentException("not a handle: " + handle);
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
                w = small[i] = new Watcher();
            }
            return w;
        }
        Watcher w = large.get(handle);
        if (w == null && create) {
            w = new Watcher();
            large.put(handle, w);
        }
        return w;
    }
}
