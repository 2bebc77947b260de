package dev.rawpoll.bsd;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.internal.PollerBase;
import dev.rawpoll.internal.Registrations;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kqueue backend of {@link Poller} (macOS, FreeBSD, and Linux through libkqueue): one kqueue
 * with an EVFILT_USER knote for {@link #wakeup()}, and native memory in one arena freed by {@link
 * #close()}. A registration is one knote per direction (EVFILT_READ, EVFILT_WRITE) carrying the
 * {@link Registrations} key in udata; level is the default, {@link Interest#EDGE} adds EV_CLEAR and
 * {@link Interest#ONESHOT} EV_ONESHOT. An interest of 0 holds no knote (the descriptor is checked
 * when it is registered), so nothing is reported for it: kqueue reports end of file and errors
 * only through a filter.
 *
 * <p>Changes are submitted in a kevent call of their own, each with a receipt (see {@link
 * Changelist}). A modification deletes the old knotes and adds the new ones in one call:
 * re-adding an existing knote does not change its mode on BSD, and fails on libkqueue.
 *
 * <p>kqueue returns one kevent per filter, so a handle watched for reading and writing can fill
 * two slots of the kernel array: an event array has {@code 2 * capacity + 1} kevent slots (the
 * extra one for the wakeup) and each wait merges the kevents of one handle into one event. Merging
 * can leave more than {@code capacity} events; the base hands the rest out on the next poll.
 * The merge reads the per-descriptor {@link Knotes} that registration calls write, so it runs
 * under the registrations' lock (uncontended unless another thread is registering).
 */
public final class KqueuePoller extends PollerBase {
    /** The udata of the wakeup knote: no registration key has all 64 bits set. */
    private static final long WAKEUP_KEY = -1L;
    /** The ident of the wakeup knote (EVFILT_USER identifiers are not descriptors). */
    private static final int WAKEUP_IDENT = 0;
    /** The longest single wait; a longer timeout waits again (large timespecs are EINVAL on some systems). */
    private static final long MAX_WAIT_NANOS = TimeUnit.DAYS.toNanos(1);


    final Knotes knotes = new Knotes();
    final KqueueAbi profile;
    private final Arena arena;
    private final int kq;
    /** errno capture for the polling thread's calls. */
    private final MemorySegment errno;
    /** errno capture for {@link #wakeup()}, which the base serializes. */
    private final MemorySegment wakeupErrno;
    private final Changelist changes;
    /** The change that triggers the wakeup knote; never written after open. */
    private final MemorySegment trigger;
    private final MemorySegment zeroTimeout;
    private final MemorySegment waitTimeout;

    private KqueuePoller(KqueueAbi profile, Arena arena, int kq, MemorySegment errno) {
        super(Platform.Handles.FILE_DESCRIPTORS);
        this.profile = profile;
        this.arena = arena;
        this.kq = kq;
        this.errno = errno;
        this.wakeupErrno = Native.allocateCapture(arena);
        this.trigger = arena.allocate(profile.keventSize, 8);
        this.zeroTimeout = arena.allocate(Kqueue.SIZEOF_TIMESPEC, 8);
        this.waitTimeout = arena.allocate(Kqueue.SIZEOF_TIMESPEC, 8);
        this.changes = new Changelist(profile, kq, Native.allocateCapture(arena), zeroTimeout, arena);
        Changelist.write(profile, trigger, 0, WAKEUP_IDENT, Kqueue.EVFILT_USER, (short) 0, Kqueue.NOTE_TRIGGER, WAKEUP_KEY);
    }

    /**
     * Opens a kqueue with the {@link KqueueAbi} of the running platform ({@link KqueueAbi#detect()}).
     *
     * @throws UnsupportedOperationException where there is no kqueue (Linux without {@code RAWPOLL_LIBKQUEUE})
     */
    public static KqueuePoller open() throws IOException {
        return open(KqueueAbi.detect().orElseThrow(() -> new UnsupportedOperationException(
                "no kqueue on " + System.getProperty("os.name") + ": on Linux set "
                        + KqueueAbi.LIBKQUEUE_ENV + " to a built libkqueue.so")));
    }

    /**
     * Opens a kqueue, stating which platform's ABI is expected.
     *
     * @throws IllegalArgumentException if {@code profile} is not the running platform's
     */
    public static KqueuePoller open(KqueueAbi profile) throws IOException {
        if (KqueueAbi.detect().orElse(null) != profile) {
            throw new IllegalArgumentException("kqueue profile " + profile + " is not this platform's ("
                    + KqueueAbi.detect().map(KqueueAbi::name).orElse("none") + ")");
        }
        Arena arena = Arena.ofShared();
        MemorySegment errno = Native.allocateCapture(arena);
        int kq = -1;
        try {
            kq = Kqueue.kqueue(errno);
            if (kq < 0) {
                throw Kqueue.error("kqueue()", Native.errno(errno));
            }
            KqueuePoller poller = new KqueuePoller(profile, arena, kq, errno);
            poller.changes.add(WAKEUP_IDENT, Kqueue.EVFILT_USER, (short) (Kqueue.EV_ADD | Kqueue.EV_CLEAR), WAKEUP_KEY);
            SystemCallException e = poller.changes.submit();
            if (e != null) {
                throw e;
            }
            return poller;
        } catch (IOException | RuntimeException | Error e) {
            if (kq >= 0) {
                Kqueue.close(errno, kq);
                if (profile.closeIsAsynchronous) Kqueue.drainPendingClose();
            }
            arena.close();
            throw e;
        }
    }

    @Override
    public String backend() {
        return "kqueue";
    }

    /**
     * The kqueue descriptor on macOS and FreeBSD, where it polls readable while this poller has
     * events; empty on libkqueue, whose descriptor (a pipe's write end) never becomes readable.
     */
    @Override
    public OptionalLong backendHandle() {
        ensureOpen();
        return profile == KqueueAbi.LIBKQUEUE ? OptionalLong.empty() : OptionalLong.of(kq);
    }

    @Override
    protected void implRegister(long handle, int interest, long token) throws IOException {
        refusePriority(interest);
        int fd = (int) handle;
        if (registrations.generation(fd) != 0) {
            // kqueue would silently modify the existing knotes: the contract says EEXIST.
            throw Kqueue.error("kevent(kq=" + kq + ", EV_ADD, fd=" + fd + ")", Kqueue.EEXIST);
        }
        knotes.ensureCapacity(fd);
        int generation = registrations.nextGeneration();
        // The table first: a poll in another thread may collect the new knotes' events at once.
        registrations.put(fd, generation, interest, token);
        int filters = queueAdds(fd, interest, Registrations.key(fd, generation));
        SystemCallException failure = changes.submit();
        if (failure != null) {
            registrations.remove(fd);
            // All or nothing: remove the knotes that were added.
            int added = changes.filtersAdded();
            if (added != 0) {
                queueDeletes(fd, added);
                changes.submit();
            }
            throw failure;
        }
        knotes.set(fd, filters);
    }

    @Override
    protected void implModify(long handle, int interest, long token) throws IOException {
        refusePriority(interest);
        int fd = (int) handle;
        int generation = registrations.generation(fd);
        if (generation == 0) {
            throw Kqueue.error("kevent(kq=" + kq + ", EV_ADD, fd=" + fd + ")", Kqueue.ENOENT);
        }
        registrations.save(fd);
        registrations.put(fd, generation, interest, token);
        int old = knotes.filters(fd);
        queueDeletes(fd, old);
        int filters = queueAdds(fd, interest, Registrations.key(fd, generation));
        SystemCallException failure = changes.submit();
        if (failure != null) {
            // Record what the kernel holds now; the registration keeps its old interest and token.
            knotes.set(fd, changes.heldAfter(old));
            registrations.restore();
            throw failure;
        }
        knotes.set(fd, filters);
    }

    @Override
    protected void implDeregister(long handle) throws IOException {
        int fd = (int) handle;
        if (registrations.generation(fd) == 0) {
            throw Kqueue.error("kevent(kq=" + kq + ", EV_DELETE, fd=" + fd + ")", Kqueue.ENOENT);
        }
        queueDeletes(fd, knotes.filters(fd));
        registrations.remove(fd);
        knotes.set(fd, 0);
        SystemCallException failure = changes.submit();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    protected EventArray newEventArray(int capacity) {
        if (capacity > (Integer.MAX_VALUE - 1) / 2) {
            throw new IllegalArgumentException("capacity must be in [1, " + (Integer.MAX_VALUE - 1) / 2 + "]: " + capacity);
        }
        // Two kevents per handle (read and write) plus the wakeup's.
        int slots = 2 * capacity + 1;
        MemorySegment array = arena.allocate(profile.keventSize * slots, 8);
        return new EventArray(registrations, array, slots, capacity, slots);
    }

    @Override
    protected int waitOnce(EventArray events, long timeoutNanos) throws IOException {
        MemorySegment ts = timeoutNanos < 0 ? MemorySegment.NULL : timespec(timeoutNanos);
        int n = Kqueue.kevent(errno, kq, MemorySegment.NULL, 0, events.kernelArray, events.kernelSlots, ts, timeoutNanos == 0);
        if (n < 0) {
            int err = Native.errno(errno);
            if (err == Kqueue.EINTR) {
                return -1;
            }
            throw Kqueue.error("kevent(kq=" + kq + ", nevents=" + events.kernelSlots + ", timeout="
                    + (timeoutNanos < 0 ? "NULL" : timeoutNanos + "ns") + ")", err);
        }
        if (n > 0) {
            ReentrantLock lock = registrations.lock();
            lock.lock();
            try {
                collect(events, n);
            } finally {
                lock.unlock();
            }
        }
        return 0;
    }

    /**
     * Merges the {@code n} kevents the kernel returned into one event per handle and takes out the
     * wakeup's. A oneshot registration is reported at most once, though both its knotes may fire.
     */
    private void collect(EventArray events, int n) {
        KqueueAbi p = profile;
        MemorySegment array = events.kernelArray;
        knotes.nextBatch();
        for (int i = 0; i < n; i++) {
            long base = i * p.keventSize;
            short filter = array.get(JAVA_SHORT, base + p.filterOffset);
            if (filter == Kqueue.EVFILT_USER) {
                signalConsumed(); // the only EVFILT_USER knote is the wakeup
                continue;
            }
            int fd = (int) array.get(JAVA_LONG, base + p.identOffset);
            short flags = array.get(JAVA_SHORT, base + p.flagsOffset);
            int fflags = array.get(JAVA_INT, base + p.fflagsOffset);
            long key = array.get(JAVA_LONG, base + p.udataOffset);
            int interest = registrations.interest(key);
            if (interest >= 0 && (interest & Interest.ONESHOT) != 0) {
                knotes.oneshotCollected(fd, filter == Kqueue.EVFILT_READ ? Knotes.READ : Knotes.WRITE);
                if (!knotes.reportOneshot(fd)) {
                    continue; // its other filter fired in an earlier poll: at most one report
                }
            }
            int bits = readiness(filter, flags, fflags, p);
            int slot = knotes.slot(fd);
            if (slot >= 0 && events.keyAt(slot) == key) {
                events.merge(slot, bits);
                continue;
            }
            knotes.setSlot(fd, events.collected());
            events.add(key, bits);
        }
    }

    /** One kevent's filter and flags to {@link Readiness} bits, before masking with the interest. */
    static int readiness(short filter, short flags, int fflags, KqueueAbi p) {
        int r = 0;
        boolean eof = (flags & Kqueue.EV_EOF) != 0;
        if (filter == Kqueue.EVFILT_READ) {
            r |= Readiness.READABLE;
            if (eof) {
                r |= Readiness.READ_CLOSED;
                if (fflags != 0) r |= Readiness.ERROR; // the pending socket error
            }
        } else if (filter == Kqueue.EVFILT_WRITE) {
            r |= Readiness.WRITABLE;
            if (eof) {
                r |= Readiness.HANGUP;
                if (fflags != 0 && !p.writeEofFflagsMeaningless) r |= Readiness.ERROR;
            }
        }
        if ((flags & Kqueue.EV_ERROR) != 0) {
            r |= Readiness.ERROR;
        }
        return r;
    }

    private MemorySegment timespec(long nanos) {
        if (nanos == 0) {
            return zeroTimeout;
        }
        long wait = Math.min(nanos, MAX_WAIT_NANOS);
        waitTimeout.set(JAVA_LONG, Kqueue.OFFSETOF_TV_SEC, wait / 1_000_000_000L);
        waitTimeout.set(JAVA_LONG, Kqueue.OFFSETOF_TV_NSEC, wait % 1_000_000_000L);
        return waitTimeout;
    }

    @Override
    protected boolean sendWakeup() {
        // No eventlist: returns at once. It cannot fail on an open kqueue; if it did, the next
        // wakeup must try again rather than think one is pending.
        return Kqueue.kevent(wakeupErrno, kq, trigger, 1, MemorySegment.NULL, 0, MemorySegment.NULL, true) >= 0;
    }

    @Override
    protected void release() {
        Kqueue.close(errno, kq);
        if (profile.closeIsAsynchronous) {
            Kqueue.drainPendingClose();
        }
        arena.close();
    }

    /** Waits a signal interrupted (EINTR) and that were resumed; read by tests. */
    long interruptedWaits() {
        return interruptedWaitCount();
    }

    @Override
    public String toString() {
        return "KqueuePoller[kq=" + kq + ", " + profile + (isOpen() ? "]" : ", closed]");
    }

    /**
     * kqueue has no portable filter for urgent data: macOS's EVFILT_EXCEPT (NOTE_OOB) is not in
     * rawpoll's bindings, FreeBSD and libkqueue have no such filter. Refused rather than ignored.
     */
    private static void refusePriority(int interest) {
        if ((interest & Interest.PRIORITY) != 0) {
            throw new UnsupportedOperationException("kqueue: Interest.PRIORITY (urgent data) is not supported");
        }
    }

    /** Queues the EV_ADDs for {@code interest}; returns the knotes they make (Knotes bits). */
    private int queueAdds(int fd, int interest, long key) {
        short mode = (interest & Interest.EDGE) != 0 ? Kqueue.EV_CLEAR
                : (interest & Interest.ONESHOT) != 0 ? Kqueue.EV_ONESHOT : 0;
        short add = (short) (Kqueue.EV_ADD | mode);
        int filters = 0;
        if ((interest & Interest.READABLE) != 0) {
            changes.add(fd, Kqueue.EVFILT_READ, add, key);
            filters |= Knotes.READ;
        }
        if ((interest & Interest.WRITABLE) != 0) {
            changes.add(fd, Kqueue.EVFILT_WRITE, add, key);
            filters |= Knotes.WRITE;
        }
        if (filters == 0) {
            // No filter, but the descriptor is still checked (EBADF): add a knote and delete it in
            // the same call. (Not a knote kept with EV_DISABLE: on libkqueue, once such a knote is
            // deleted, adding one for the descriptor fails with EEXIST, even in a later call.)
            changes.add(fd, Kqueue.EVFILT_READ, Kqueue.EV_ADD, key);
            changes.add(fd, Kqueue.EVFILT_READ, Kqueue.EV_DELETE, 0);
        }
        return filters;
    }

    private void queueDeletes(int fd, int filters) {
        if ((filters & Knotes.READ) != 0) changes.add(fd, Kqueue.EVFILT_READ, Kqueue.EV_DELETE, 0);
        if ((filters & Knotes.WRITE) != 0) changes.add(fd, Kqueue.EVFILT_WRITE, Kqueue.EV_DELETE, 0);
    }
}
