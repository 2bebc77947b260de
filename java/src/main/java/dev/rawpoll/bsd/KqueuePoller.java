package dev.rawpoll.bsd;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.FdTable;
import dev.rawpoll.internal.Lifecycle;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The kqueue backend of {@link Poller} (macOS, FreeBSD, and Linux through libkqueue): one kqueue
 * with an EVFILT_USER knote for {@link #wakeup()}, and native memory in one arena freed by {@link
 * #close()}. A registration is one knote per direction (EVFILT_READ, EVFILT_WRITE) carrying the
 * {@link FdTable} key in udata; level is the default, {@link Interest#EDGE} adds EV_CLEAR and
 * {@link Interest#ONESHOT} EV_ONESHOT. An interest of 0 holds no knote (the descriptor is checked
 * when it is registered), so nothing is reported for it: kqueue reports end of file and errors
 * only through a filter.
 *
 * <p>Changes are submitted in a kevent call of their own, each with a receipt (see {@link
 * Changelist}). A modification deletes the old knotes and adds the new ones in one call:
 * re-adding an existing knote does not change its mode on BSD, and fails on libkqueue.
 */
public final class KqueuePoller implements Poller {
    /** The udata of the wakeup knote: no registration key has all 64 bits set. */
    private static final long WAKEUP_KEY = -1L;
    /** The ident of the wakeup knote (EVFILT_USER identifiers are not descriptors). */
    private static final int WAKEUP_IDENT = 0;
    /** The longest single wait; a longer timeout waits again (large timespecs are EINVAL on some systems). */
    private static final long MAX_WAIT_NANOS = TimeUnit.DAYS.toNanos(1);


    final FdTable table = new FdTable();
    final Knotes knotes = new Knotes();
    final Profile profile;
    private final Arena arena;
    private final int kq;
    /** errno capture for the polling thread's calls. */
    private final MemorySegment errno;
    /** errno capture for {@link #wakeup()}, which {@link #lifecycle} serializes. */
    private final MemorySegment wakeupErrno;
    private final Changelist changes;
    /** The change that triggers the wakeup knote; never written after open. */
    private final MemorySegment trigger;
    private final MemorySegment zeroTimeout;
    private final MemorySegment waitTimeout;
    /** Open or closed, and the coalesced wakeup (an EVFILT_USER trigger) that never outlives the kqueue. */
    private final Lifecycle lifecycle = new Lifecycle(this::signalWakeup);
    /** How many waits a signal interrupted (EINTR) and were resumed; read by tests. */
    long interruptedWaits;

    private KqueuePoller(Profile profile, Arena arena, int kq, MemorySegment errno) {
        this.profile = profile;
        this.arena = arena;
        this.kq = kq;
        this.errno = errno;
        this.wakeupErrno = Native.allocateCapture(arena);
        this.trigger = arena.allocate(profile.keventSize, 8);
        this.zeroTimeout = arena.allocate(Kqueue.SIZEOF_TIMESPEC, 8);
        this.waitTimeout = arena.allocate(Kqueue.SIZEOF_TIMESPEC, 8);
        this.changes = new Changelist(profile, kq, errno, zeroTimeout, arena);
        Changelist.write(profile, trigger, 0, WAKEUP_IDENT, Kqueue.EVFILT_USER, (short) 0, Kqueue.NOTE_TRIGGER, WAKEUP_KEY);
    }

    /**
     * Opens a kqueue with the {@link Profile} of the running platform ({@link Profile#detect()}).
     *
     * @throws UnsupportedOperationException where there is no kqueue (Linux without {@code RAWPOLL_LIBKQUEUE})
     */
    public static KqueuePoller open() throws IOException {
        return open(Profile.detect().orElseThrow(() -> new UnsupportedOperationException(
                "no kqueue on " + System.getProperty("os.name") + ": on Linux set "
                        + Profile.LIBKQUEUE_ENV + " to a built libkqueue.so")));
    }

    /**
     * Opens a kqueue, stating which platform's ABI is expected.
     *
     * @throws IllegalArgumentException if {@code profile} is not the running platform's
     */
    public static KqueuePoller open(Profile profile) throws IOException {
        if (Profile.detect().orElse(null) != profile) {
            throw new IllegalArgumentException("kqueue profile " + profile + " is not this platform's ("
                    + Profile.detect().map(Profile::name).orElse("none") + ")");
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
        lifecycle.ensureOpen();
        return profile == Profile.LIBKQUEUE ? OptionalLong.empty() : OptionalLong.of(kq);
    }

    /** The platform ABI this poller was opened for. */
    public Profile profile() {
        return profile;
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        if (table.generation(fd) != 0) {
            // kqueue would silently modify the existing knotes: the contract says EEXIST.
            throw Kqueue.error("kevent(kq=" + kq + ", EV_ADD, fd=" + fd + ")", Kqueue.EEXIST);
        }
        knotes.ensureCapacity(fd);
        int generation = table.nextGeneration();
        int filters = queueAdds(fd, interest, FdTable.key(fd, generation));
        SystemCallException failure = changes.submit();
        if (failure != null) {
            // All or nothing: remove the knotes that were added.
            int added = changes.filtersAdded();
            if (added != 0) {
                queueDeletes(fd, added);
                changes.submit();
            }
            throw failure;
        }
        knotes.set(fd, filters);
        table.put(fd, generation, interest, token);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        int generation = table.generation(fd);
        if (generation == 0) {
            throw Kqueue.error("kevent(kq=" + kq + ", EV_ADD, fd=" + fd + ")", Kqueue.ENOENT);
        }
        int old = knotes.filters(fd);
        queueDeletes(fd, old);
        int filters = queueAdds(fd, interest, FdTable.key(fd, generation));
        SystemCallException failure = changes.submit();
        if (failure != null) {
            // Record what the kernel holds now; the registration keeps its old interest and token.
            knotes.set(fd, changes.heldAfter(old));
            throw failure;
        }
        knotes.set(fd, filters);
        table.put(fd, generation, interest, token);
    }

    @Override
    public void deregister(long handle) throws IOException {
        lifecycle.ensureOpen();
        int fd = checkHandle(handle);
        if (table.generation(fd) == 0) {
            throw Kqueue.error("kevent(kq=" + kq + ", EV_DELETE, fd=" + fd + ")", Kqueue.ENOENT);
        }
        queueDeletes(fd, knotes.filters(fd));
        table.remove(fd);
        knotes.set(fd, 0);
        SystemCallException failure = changes.submit();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public KqueueEvents newEvents(int capacity) {
        lifecycle.ensureOpen();
        if (capacity <= 0 || capacity > (Integer.MAX_VALUE - 1) / 2) {
            throw new IllegalArgumentException("capacity must be in [1, " + (Integer.MAX_VALUE - 1) / 2 + "]: " + capacity);
        }
        // Two kevents per handle (read and write) plus the wakeup's: see KqueueEvents.
        int slots = 2 * capacity + 1;
        MemorySegment array = arena.allocate(profile.keventSize * slots, 8);
        return new KqueueEvents(this, array, slots, capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        lifecycle.ensureOpen();
        if (!(events instanceof KqueueEvents e) || e.poller != this) {
            throw new IllegalArgumentException("these Events belong to another poller");
        }
        if (e.deliverRest()) {
            return e.count();
        }
        long timeoutNanos = timeout < 0 ? -1 : unit.toNanos(timeout);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        long remaining = timeoutNanos;
        for (;;) {
            MemorySegment ts = remaining < 0 ? MemorySegment.NULL : timespec(remaining);
            int n = Kqueue.kevent(errno, kq, MemorySegment.NULL, 0, e.array, e.slots, ts, remaining == 0);
            if (n > 0) {
                if (e.collect(n)) {
                    lifecycle.signalConsumed();
                }
                return e.count();
            }
            if (n < 0) {
                int err = Native.errno(errno);
                if (err != Kqueue.EINTR) {
                    throw Kqueue.error("kevent(kq=" + kq + ", nevents=" + e.slots + ", timeout="
                            + (remaining < 0 ? "NULL" : remaining + "ns") + ")", err);
                }
                interruptedWaits++;
            }
            // EINTR, or a wait that ended early (clamped to a day): wait for what is left.
            if (timeoutNanos == 0) {
                return 0;
            }
            if (timeoutNanos > 0) {
                remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return 0;
                }
            }
        }
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
    public void wakeup() {
        lifecycle.wakeup();
    }

    private boolean signalWakeup() {
        // No eventlist: returns at once. It cannot fail on an open kqueue; if it did, the next
        // wakeup must try again rather than think one is pending.
        return Kqueue.kevent(wakeupErrno, kq, trigger, 1, MemorySegment.NULL, 0, MemorySegment.NULL, true) >= 0;
    }

    @Override
    public boolean isOpen() {
        return lifecycle.isOpen();
    }

    @Override
    public void close() {
        if (!lifecycle.close(() -> {})) {
            return;
        }
        // No wakeup can use the kqueue from here on.
        Kqueue.close(errno, kq);
        if (profile.closeIsAsynchronous) {
            Kqueue.drainPendingClose();
        }
        arena.close();
    }

    @Override
    public String toString() {
        return "KqueuePoller[kq=" + kq + ", " + profile + (lifecycle.isOpen() ? "]" : ", closed]");
    }

    private int checkArguments(long handle, int interest, long token) {
        lifecycle.checkRegistration(interest, token);
        return checkHandle(handle);
    }

    private static int checkHandle(long handle) {
        if (handle < 0 || handle > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a file descriptor: " + handle);
        }
        return (int) handle;
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
