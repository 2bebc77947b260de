package dev.rawpoll.internal;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Readiness;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The current registration of each <em>slot</em> of one poller: its generation, interest and
 * token. A slot is the file descriptor on Unix (descriptors are small and dense) and an index the
 * IOCP backend hands out per socket on Windows.
 *
 * <p>The kernel is handed a <em>key</em> per registration, {@code generation << 32 | slot},
 * instead of the caller's token. An event is read by looking its key up here: if the slot's
 * generation changed (deregistered, or registered again after its number was reused) the event is
 * stale; otherwise it gets the current token and is masked with the current interest. This is what
 * keeps an event from ever reaching a new owner of a reused descriptor number.
 *
 * <p>Threads: writers ({@link #put}, {@link #remove}) hold {@link #lock()}, which the poller
 * takes around each registration call, so registrations may come from any thread. The polling
 * thread reads without a lock and without allocating: each slot has a sequence number that a
 * writer makes odd while it changes the slot (a seqlock), and a reader retries until it read the
 * three values of one registration. Growing the arrays publishes a new {@link Slots} through a
 * volatile field; a slot is only written in the newest one.
 */
public final class Registrations {
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** The per-slot arrays, replaced as a whole when they grow. */
    private static final class Slots {
        final int[] sequences;
        /** Generation 0 means "not registered"; keys handed to the kernel never carry it. */
        final int[] generations;
        final int[] interests;
        final long[] tokens;

        Slots(int n) {
            this(new int[n], new int[n], new int[n], new long[n]);
        }

        Slots(int[] sequences, int[] generations, int[] interests, long[] tokens) {
            this.sequences = sequences;
            this.generations = generations;
            this.interests = interests;
            this.tokens = tokens;
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private volatile Slots slots = new Slots(64);
    private int lastGeneration;
    /** What {@link #save} kept, for {@link #restore}; used under the lock only. */
    private int savedSlot;
    private int savedGeneration;
    private int savedInterest;
    private long savedToken;
    /** Set once when the poller closes; its event arrays check it. */
    private volatile boolean closed;

    /** The writers' lock: held around every change of the table and the kernel call that goes with it. */
    public ReentrantLock lock() {
        return lock;
    }

    /** The generation for a new registration. Under {@link #lock()}. */
    public int nextGeneration() {
        int generation = ++lastGeneration;
        if (generation == 0) {
            generation = lastGeneration = 1;
        }
        return generation;
    }

    /** Records the registration of {@code slot} under {@code generation}. Under {@link #lock()}. */
    public void put(int slot, int generation, int interest, long token) {
        Slots s = ensureCapacity(slot);
        int seq = s.sequences[slot];
        INTS.setVolatile(s.sequences, slot, seq + 1); // odd: being written
        VarHandle.storeStoreFence();
        s.generations[slot] = generation;
        s.interests[slot] = interest;
        s.tokens[slot] = token;
        INTS.setRelease(s.sequences, slot, seq + 2);
    }

    /**
     * Keeps {@code slot}'s registration so that {@link #restore} can put it back. A backend changes
     * the table <em>before</em> the kernel call, so that an event the kernel delivers to a poll in
     * another thread right after the call already finds the new registration (not a stale one, which
     * an edge-triggered caller would never see again), and restores it if the call fails. Under
     * {@link #lock()}.
     */
    public void save(int slot) {
        savedSlot = slot;
        savedGeneration = generation(slot);
        savedInterest = interestOf(slot);
        savedToken = tokenOf(slot);
    }

    /** Puts back what {@link #save} kept. Under {@link #lock()}. */
    public void restore() {
        put(savedSlot, savedGeneration, savedInterest, savedToken);
    }

    /** Forgets {@code slot}: its events still unread become stale. Under {@link #lock()}. */
    public void remove(int slot) {
        if (slot >= 0 && slot < slots.generations.length) {
            put(slot, 0, 0, 0);
        }
    }

    /** The generation of {@code slot}'s registration, 0 if there is none. */
    public int generation(int slot) {
        Slots s = slots;
        return slot >= 0 && slot < s.generations.length ? (int) INTS.getAcquire(s.generations, slot) : 0;
    }

    /** The interest of {@code slot}'s registration (0 if none). Under {@link #lock()}. */
    public int interestOf(int slot) {
        Slots s = slots;
        return slot >= 0 && slot < s.interests.length ? s.interests[slot] : 0;
    }

    /** The token of {@code slot}'s registration. Under {@link #lock()}. */
    public long tokenOf(int slot) {
        Slots s = slots;
        return slot >= 0 && slot < s.tokens.length ? s.tokens[slot] : 0;
    }

    public static long key(int slot, int generation) {
        return ((long) generation << 32) | (slot & 0xFFFF_FFFFL);
    }

    /** The current token for an event carrying {@code key}, or {@link Events#NO_TOKEN} if stale. */
    public long token(long key) {
        int slot = (int) key;
        int generation = (int) (key >>> 32);
        Slots s = slots;
        if (generation == 0 || slot < 0 || slot >= s.generations.length) {
            return Events.NO_TOKEN;
        }
        for (;;) {
            int seq = (int) INTS.getAcquire(s.sequences, slot);
            boolean current = s.generations[slot] == generation;
            long token = (long) LONGS.getOpaque(s.tokens, slot);
            VarHandle.loadLoadFence();
            if ((seq & 1) == 0 && (int) INTS.getOpaque(s.sequences, slot) == seq) {
                return current ? token : Events.NO_TOKEN;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The interest of the registration an event carrying {@code key} belongs to, or -1 if the
     * event is stale.
     */
    public int interest(long key) {
        int slot = (int) key;
        int generation = (int) (key >>> 32);
        Slots s = slots;
        if (generation == 0 || slot < 0 || slot >= s.generations.length) {
            return -1;
        }
        for (;;) {
            int seq = (int) INTS.getAcquire(s.sequences, slot);
            boolean current = s.generations[slot] == generation;
            int interest = (int) INTS.getOpaque(s.interests, slot);
            VarHandle.loadLoadFence();
            if ((seq & 1) == 0 && (int) INTS.getOpaque(s.sequences, slot) == seq) {
                return current ? interest : -1;
            }
            Thread.onSpinWait();
        }
    }

    /** Marks the poller closed: every use of its event arrays throws from now on. */
    public void markClosed() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * The rules of {@link Readiness} applied to portable bits {@code raw} of a registration with
     * {@code interest} (-1: stale, gives 0): a hang-up or error also makes every interested
     * direction ready, since an I/O call will not block (it returns end of stream or the error);
     * read-closed makes reading ready and is reported only with a readable interest, priority only
     * with a priority interest; readable and writable are masked with the interest. The same rule for a fresh event and for one read again
     * after {@code modify}.
     */
    public static int readinessFor(int raw, int interest) {
        if (interest < 0) {
            return 0;
        }
        int directions = raw;
        if ((raw & (Readiness.HANGUP | Readiness.ERROR)) != 0) {
            directions |= Readiness.READABLE | Readiness.WRITABLE;
        } else if ((raw & Readiness.READ_CLOSED) != 0) {
            directions |= Readiness.READABLE;
        }
        int wanted = interest & (Interest.READABLE | Interest.WRITABLE);
        int closedBits = raw & (Readiness.HANGUP | Readiness.ERROR);
        if ((interest & Interest.PRIORITY) != 0) {
            closedBits |= raw & Readiness.PRIORITY;
        }
        if ((interest & Interest.READABLE) != 0) {
            closedBits |= raw & Readiness.READ_CLOSED;
        }
        return (directions & wanted) | closedBits;
    }

    private Slots ensureCapacity(int slot) {
        Slots s = slots;
        if (slot < s.generations.length) {
            return s;
        }
        int n = Math.max(slot + 1, s.generations.length * 2);
        Slots grown = new Slots(Arrays.copyOf(s.sequences, n), Arrays.copyOf(s.generations, n),
                Arrays.copyOf(s.interests, n), Arrays.copyOf(s.tokens, n));
        slots = grown; // volatile: a reader sees the copied values with the new arrays
        return grown;
    }
}
