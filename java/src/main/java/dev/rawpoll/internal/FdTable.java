package dev.rawpoll.internal;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import java.util.Arrays;

/**
 * The current registration of each file descriptor of one poller: its generation, interest and
 * token, in arrays indexed by the descriptor (descriptors are small and dense).
 *
 * <p>The kernel is handed a <em>key</em> per registration, {@code generation << 32 | fd}, instead
 * of the caller's token. An event is read by looking its key up here: if the descriptor's
 * generation changed (deregistered, or registered again after its number was reused) the event
 * is stale; otherwise it gets the current token and is masked with the current interest. This is
 * what keeps an event from ever reaching a new owner of a reused descriptor number.
 */
public final class FdTable {
    /** Generation 0 means "not registered"; keys handed to the kernel never carry it. */
    private int[] generations = new int[64];
    private int[] interests = new int[64];
    private long[] tokens = new long[64];
    private int lastGeneration;

    /** The generation for a new registration; pass it to {@link #put} once the kernel accepted it. */
    public int nextGeneration() {
        int generation = ++lastGeneration;
        if (generation == 0) {
            generation = lastGeneration = 1;
        }
        return generation;
    }

    /** Records the registration of {@code fd} under {@code generation}. */
    public void put(int fd, int generation, int interest, long token) {
        ensureCapacity(fd);
        generations[fd] = generation;
        interests[fd] = interest;
        tokens[fd] = token;
    }

    /** The generation of {@code fd}'s registration, 0 if there is none. */
    public int generation(int fd) {
        return fd >= 0 && fd < generations.length ? generations[fd] : 0;
    }

    /** Forgets {@code fd}: its events still unread become stale. */
    public void remove(int fd) {
        if (fd >= 0 && fd < generations.length) {
            generations[fd] = 0;
            interests[fd] = 0;
            tokens[fd] = 0;
        }
    }

    public static long key(int fd, int generation) {
        return ((long) generation << 32) | (fd & 0xFFFF_FFFFL);
    }

    /** The current token for an event carrying {@code key}, or {@link Events#NO_TOKEN} if stale. */
    public long token(long key) {
        int fd = (int) key;
        return isCurrent(fd, key) ? tokens[fd] : Events.NO_TOKEN;
    }

    /**
     * The interest of the registration an event carrying {@code key} belongs to, or -1 if the
     * event is stale.
     */
    public int interest(long key) {
        int fd = (int) key;
        return isCurrent(fd, key) ? interests[fd] : -1;
    }

    private boolean isCurrent(int fd, long key) {
        int generation = (int) (key >>> 32);
        return generation != 0 && fd >= 0 && fd < generations.length && generations[fd] == generation;
    }

    /**
     * Applies the rules of {@link Readiness} to portable bits {@code raw} for a registration with
     * {@code interest} (-1: stale): a hang-up or error also makes every interested direction ready,
     * since an I/O call will not block (it returns end of stream or the error); read-closed makes
     * reading ready; readable and writable are masked with the current interest.
     */
    public static int mask(int raw, int interest) {
        if (interest < 0) {
            return 0;
        }
        int directions = raw;
        if ((raw & (Readiness.HANGUP | Readiness.ERROR)) != 0) {
            directions |= Readiness.READABLE | Readiness.WRITABLE;
        } else if ((raw & Readiness.READ_CLOSED) != 0) {
            directions |= Readiness.READABLE;
        }
        int wanted = (interest & Interest.READABLE) | (interest & Interest.WRITABLE);
        return (directions & wanted) | (raw & (Readiness.READ_CLOSED | Readiness.HANGUP | Readiness.ERROR));
    }

    private void ensureCapacity(int fd) {
        if (fd >= generations.length) {
            int n = Math.max(fd + 1, generations.length * 2);
            generations = Arrays.copyOf(generations, n);
            interests = Arrays.copyOf(interests, n);
            tokens = Arrays.copyOf(tokens, n);
        }
    }
}
