package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.internal.FdTable;
import dev.rawpoll.internal.Lifecycle;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The epoll backend of {@link Poller}: one epoll instance, an eventfd for {@link #wakeup()}, and
 * native memory (the epoll_ctl argument, every {@link EpollEvents} array) in one arena freed by
 * {@link #close()}. The kernel is given {@link FdTable} keys, never the caller's tokens.
 */
public final class EpollPoller implements Poller {
    /** The epoll data of the wakeup eventfd: no registration key has all 64 bits set. */
    private static final long WAKEUP_KEY = -1L;
    /** The 8-byte value every wakeup adds to the eventfd counter; never written to, any thread reads it. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);


    final FdTable table = new FdTable();
    private final Arena arena;
    private final int epfd;
    private final int wakeupFd;
    /** errno capture for the polling thread's calls. */
    private final MemorySegment errno;
    /** errno capture for {@link #wakeup()}, which {@link #lifecycle} serializes. */
    private final MemorySegment wakeupErrno;
    /** The struct epoll_event passed to epoll_ctl. */
    private final MemorySegment ctlEvent;
    /** Where the eventfd counter is read into when draining. */
    private final MemorySegment drain;
    /** Open or closed, and the coalesced wakeup (an eventfd write) that never outlives the eventfd. */
    private final Lifecycle lifecycle = new Lifecycle(this::signalWakeup);
    /** How many waits a signal interrupted (EINTR) and were resumed; read by tests. */
    long interruptedWaits;

    private EpollPoller(Arena arena, int epfd, int wakeupFd, MemorySegment errno) {
        this.arena = arena;
        this.epfd = epfd;
        this.wakeupFd = wakeupFd;
        this.errno = errno;
        this.wakeupErrno = Native.allocateCapture(arena);
        this.ctlEvent = arena.allocate(Epoll.SIZEOF_EPOLL_EVENT, 8);
        this.drain = arena.allocate(JAVA_LONG);
    }

    /** Opens an epoll instance with its wakeup eventfd; both close-on-exec. */
    public static EpollPoller open() throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment errno = Native.allocateCapture(arena);
        int epfd = -1;
        int wakeupFd = -1;
        try {
            epfd = Epoll.epoll_create1(errno, Epoll.EPOLL_CLOEXEC);
            if (epfd < 0) {
                throw Epoll.error("epoll_create1(EPOLL_CLOEXEC)", Native.errno(errno));
            }
            wakeupFd = Epoll.eventfd(errno, 0, Epoll.EFD_CLOEXEC | Epoll.EFD_NONBLOCK);
            if (wakeupFd < 0) {
                throw Epoll.error("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)", Native.errno(errno));
            }
            EpollPoller poller = new EpollPoller(arena, epfd, wakeupFd, errno);
            poller.ctl(Epoll.EPOLL_CTL_ADD, wakeupFd, Epoll.EPOLLIN, WAKEUP_KEY);
            return poller;
        } catch (IOException | RuntimeException | Error e) {
            if (wakeupFd >= 0) Epoll.close(errno, wakeupFd);
            if (epfd >= 0) Epoll.close(errno, epfd);
            arena.close();
            throw e;
        }
    }

    @Override
    public String backend() {
        return "epoll";
    }

    /** The epoll descriptor: it polls readable while this poller has events, so it nests. */
    @Override
    public OptionalLong backendHandle() {
        lifecycle.ensureOpen();
        return OptionalLong.of(epfd);
    }

    @Override
    public void register(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        int generation = table.nextGeneration();
        ctl(Epoll.EPOLL_CTL_ADD, fd, epollEvents(interest), FdTable.key(fd, generation));
        // Replaces a registration left behind by a descriptor closed without deregister: its
        // events, still carrying the old generation, read as stale.
        table.put(fd, generation, interest, token);
    }

    @Override
    public void modify(long handle, int interest, long token) throws IOException {
        int fd = checkArguments(handle, interest, token);
        // Unknown here: the kernel answers (ENOENT, or EBADF) with a key no event can match.
        int generation = table.generation(fd);
        ctl(Epoll.EPOLL_CTL_MOD, fd, epollEvents(interest), FdTable.key(fd, generation));
        table.put(fd, generation, interest, token);
    }

    @Override
    public void deregister(long handle) throws IOException {
        lifecycle.ensureOpen();
        int fd = checkHandle(handle);
        int rc = Epoll.epoll_ctl(errno, epfd, Epoll.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        table.remove(fd);
        if (rc != 0) {
            throw Epoll.error("epoll_ctl(DEL, fd=" + fd + ")", Native.errno(errno));
        }
    }

    @Override
    public EpollEvents newEvents(int capacity) {
        lifecycle.ensureOpen();
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        MemorySegment array = arena.allocate(Epoll.SIZEOF_EPOLL_EVENT * capacity, 8);
        return new EpollEvents(this, array, capacity);
    }

    @Override
    public int poll(Events events, long timeout, TimeUnit unit) throws IOException {
        lifecycle.ensureOpen();
        if (!(events instanceof EpollEvents e) || e.poller != this) {
            throw new IllegalArgumentException("these Events belong to another poller");
        }
        e.count = 0;
        long timeoutNanos = timeout < 0 ? -1 : unit.toNanos(timeout);
        long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        int timeoutMillis = toMillisRoundingUp(timeoutNanos);
        for (;;) {
            int n = Epoll.epoll_wait(errno, epfd, e.array, e.capacity, timeoutMillis);
            if (n > 0) {
                n = takeWakeup(e.array, n);
                e.count = n;
                return n;
            }
            if (n < 0) {
                int err = Native.errno(errno);
                if (err != Epoll.EINTR) {
                    throw Epoll.error("epoll_wait(epfd=" + epfd + ", maxevents=" + e.capacity + ", timeout=" + timeoutMillis + ")", err);
                }
                interruptedWaits++;
            }
            // EINTR, or a timed wait that ended early (clamped to int, or an old kernel):
            // wait again for what is left of the timeout.
            if (timeoutNanos == 0) {
                return 0;
            }
            if (timeoutNanos > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return 0;
                }
                timeoutMillis = toMillisRoundingUp(left);
            }
        }
    }

    /** Negative: forever (-1); otherwise whole milliseconds rounded up, clamped to int. */
    static int toMillisRoundingUp(long nanos) {
        if (nanos < 0) {
            return -1;
        }
        long millis = nanos / 1_000_000 + (nanos % 1_000_000 == 0 ? 0 : 1);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    /**
     * Removes the wakeup eventfd's event from the batch, if present, by moving the last event into
     * its place; drains the eventfd and re-allows wakeups. Returns the new count.
     */
    private int takeWakeup(MemorySegment array, int n) {
        long size = Epoll.SIZEOF_EPOLL_EVENT;
        long data = Epoll.OFFSETOF_DATA;
        for (int i = 0; i < n; i++) {
            if (array.get(JAVA_LONG_UNALIGNED, i * size + data) == WAKEUP_KEY) {
                Epoll.read(errno, wakeupFd, drain, 8); // EAGAIN is fine: nothing to drain
                lifecycle.signalConsumed();
                int last = n - 1;
                if (i != last) {
                    MemorySegment.copy(array, last * size, array, i * size, size);
                }
                return last;
            }
        }
        return n;
    }

    @Override
    public void wakeup() {
        lifecycle.wakeup();
    }

    private boolean signalWakeup() {
        // EAGAIN (counter saturated) still leaves the eventfd readable: sent either way.
        Epoll.write(wakeupErrno, wakeupFd, ONE, 8);
        return true;
    }

    @Override
    public boolean isOpen() {
        return lifecycle.isOpen();
    }

    @Override
    public void close() {
        if (lifecycle.close(() -> Epoll.close(errno, wakeupFd))) {
            Epoll.close(errno, epfd);
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "EpollPoller[epfd=" + epfd + (lifecycle.isOpen() ? "]" : ", closed]");
    }

    private int checkArguments(long handle, int interest, long token) {
        lifecycle.checkRegistration(interest, token);
        return checkHandle(handle);
    }

    private static int checkHandle(long handle) {
        if (handle != (int) handle) {
            throw new IllegalArgumentException("not a file descriptor: " + handle);
        }
        return (int) handle;
    }

    private static int epollEvents(int interest) {
        int events = 0;
        if ((interest & Interest.READABLE) != 0) events |= Epoll.EPOLLIN | Epoll.EPOLLRDHUP;
        if ((interest & Interest.WRITABLE) != 0) events |= Epoll.EPOLLOUT;
        if ((interest & Interest.EDGE) != 0) events |= Epoll.EPOLLET;
        if ((interest & Interest.ONESHOT) != 0) events |= Epoll.EPOLLONESHOT;
        return events;
    }

    private void ctl(int op, int fd, int events, long key) throws IOException {
        ctlEvent.set(JAVA_INT_UNALIGNED, Epoll.OFFSETOF_EVENTS, events);
        ctlEvent.set(JAVA_LONG_UNALIGNED, Epoll.OFFSETOF_DATA, key);
        if (Epoll.epoll_ctl(errno, epfd, op, fd, ctlEvent) != 0) {
            String name = op == Epoll.EPOLL_CTL_ADD ? "ADD" : "MOD";
            throw Epoll.error("epoll_ctl(" + name + ", fd=" + fd + ")", Native.errno(errno));
        }
    }
}
