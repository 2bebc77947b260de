package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.internal.EventArray;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.internal.PollerBase;
import dev.rawpoll.internal.Registrations;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.OptionalLong;

/**
 * The epoll backend of {@link Poller}: one epoll instance, an eventfd for {@link #wakeup()}, and
 * native memory (the epoll_ctl argument, every event array) in one arena freed when the poller
 * closes. The kernel is given {@link Registrations} keys, never the caller's tokens. Everything
 * else (state, checks, the poll loop, threads) is {@link PollerBase}'s.
 */
public final class EpollPoller extends PollerBase {
    /** The epoll data of the wakeup eventfd: no registration key has all 64 bits set. */
    private static final long WAKEUP_KEY = -1L;
    /** The 8-byte value every wakeup adds to the eventfd counter; never written to, any thread reads it. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private final Arena arena;
    private final int epfd;
    private final int wakeupFd;
    /** errno capture for the polling thread's calls. */
    private final MemorySegment pollErrno;
    /** errno capture and struct epoll_event for epoll_ctl, used under the registrations' lock. */
    private final MemorySegment ctlErrno;
    private final MemorySegment ctlEvent;
    /** errno capture for the wakeup's write, serialized by the base. */
    private final MemorySegment wakeupErrno;
    /** Where the eventfd counter is read into when draining. */
    private final MemorySegment drain;

    private EpollPoller(Arena arena, int epfd, int wakeupFd, MemorySegment errno) {
        super(Platform.Handles.FILE_DESCRIPTORS);
        this.arena = arena;
        this.epfd = epfd;
        this.wakeupFd = wakeupFd;
        this.pollErrno = errno;
        this.ctlErrno = Native.allocateCapture(arena);
        this.ctlEvent = arena.allocate(Epoll.SIZEOF_EPOLL_EVENT, 8);
        this.wakeupErrno = Native.allocateCapture(arena);
        this.drain = arena.allocate(JAVA_LONG);
    }

    /** Opens an epoll instance with its wakeup eventfd; both close-on-exec. */
    public static EpollPoller open() throws IOException {
        // Shared: close() may come from any thread, and frees the memory on the thread that leaves last.
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
        ensureOpen();
        return OptionalLong.of(epfd);
    }

    @Override
    protected void implRegister(long handle, int interest, long token) throws IOException {
        // A new generation: a registration left behind by a descriptor closed without deregister
        // is replaced, and its events, still carrying the old generation, read as stale.
        int fd = (int) handle;
        change(Epoll.EPOLL_CTL_ADD, fd, registrations.nextGeneration(), interest, token);
    }

    @Override
    protected void implModify(long handle, int interest, long token) throws IOException {
        int fd = (int) handle;
        int generation = registrations.generation(fd);
        if (generation == 0) {
            // Unknown here: the kernel answers (ENOENT, or EBADF) with a key no event can match.
            ctl(Epoll.EPOLL_CTL_MOD, fd, epollEvents(interest), Registrations.key(fd, 0));
            return;
        }
        change(Epoll.EPOLL_CTL_MOD, fd, generation, interest, token);
    }

    /**
     * The table first, then the kernel: an event for the new key may reach a poll in another
     * thread before epoll_ctl returns, and must find its registration. Put back if the call fails.
     */
    private void change(int op, int fd, int generation, int interest, long token) throws IOException {
        registrations.save(fd);
        registrations.put(fd, generation, interest, token);
        try {
            ctl(op, fd, epollEvents(interest), Registrations.key(fd, generation));
        } catch (IOException e) {
            registrations.restore();
            throw e;
        }
    }

    @Override
    protected void implDeregister(long handle) throws IOException {
        int fd = (int) handle;
        registrations.remove(fd);
        if (Epoll.epoll_ctl(ctlErrno, epfd, Epoll.EPOLL_CTL_DEL, fd, MemorySegment.NULL) != 0) {
            throw Epoll.error("epoll_ctl(DEL, fd=" + fd + ")", Native.errno(ctlErrno));
        }
    }

    @Override
    protected EventArray newEventArray(int capacity) {
        MemorySegment array = arena.allocate(Epoll.SIZEOF_EPOLL_EVENT * capacity, 8);
        return new EventArray(registrations, array, capacity, capacity, capacity);
    }

    @Override
    protected int waitOnce(EventArray events, long timeoutNanos) throws IOException {
        MemorySegment array = events.kernelArray;
        int timeout = toMillisRoundingUp(timeoutNanos);
        int n = Epoll.epoll_wait(pollErrno, epfd, array, events.kernelSlots, timeout);
        if (n < 0) {
            int err = Native.errno(pollErrno);
            if (err == Epoll.EINTR) {
                return -1;
            }
            throw Epoll.error("epoll_wait(epfd=" + epfd + ", maxevents=" + events.kernelSlots + ", timeout=" + timeout + ")", err);
        }
        for (int i = 0; i < n; i++) {
            long offset = i * Epoll.SIZEOF_EPOLL_EVENT;
            long key = array.get(JAVA_LONG_UNALIGNED, offset + Epoll.OFFSETOF_DATA);
            if (key == WAKEUP_KEY) {
                Epoll.read(pollErrno, wakeupFd, drain, 8); // EAGAIN is fine: nothing to drain
                signalConsumed();
            } else {
                events.add(key, readiness(array.get(JAVA_INT_UNALIGNED, offset + Epoll.OFFSETOF_EVENTS)));
            }
        }
        return 0;
    }

    @Override
    protected boolean sendWakeup() {
        // EAGAIN (counter saturated) still leaves the eventfd readable: sent either way.
        Epoll.write(wakeupErrno, wakeupFd, ONE, 8);
        return true;
    }

    @Override
    protected void release() {
        Epoll.close(pollErrno, wakeupFd);
        Epoll.close(pollErrno, epfd);
        arena.close();
    }

    /** Waits a signal interrupted (EINTR) and that were resumed; read by tests. */
    long interruptedWaits() {
        return interruptedWaitCount();
    }

    @Override
    public String toString() {
        return "EpollPoller[epfd=" + epfd + (isOpen() ? "]" : ", closed]");
    }

    private static int epollEvents(int interest) {
        int events = 0;
        if ((interest & Interest.READABLE) != 0) events |= Epoll.EPOLLIN | Epoll.EPOLLRDHUP;
        if ((interest & Interest.WRITABLE) != 0) events |= Epoll.EPOLLOUT;
        if ((interest & Interest.PRIORITY) != 0) events |= Epoll.EPOLLPRI;
        if ((interest & Interest.EDGE) != 0) events |= Epoll.EPOLLET;
        if ((interest & Interest.ONESHOT) != 0) events |= Epoll.EPOLLONESHOT;
        return events;
    }

    /** epoll bits to {@link Readiness} bits, before masking with the interest. */
    static int readiness(int events) {
        int r = 0;
        if ((events & Epoll.EPOLLIN) != 0) r |= Readiness.READABLE;
        if ((events & Epoll.EPOLLOUT) != 0) r |= Readiness.WRITABLE;
        if ((events & Epoll.EPOLLRDHUP) != 0) r |= Readiness.READ_CLOSED;
        if ((events & Epoll.EPOLLHUP) != 0) r |= Readiness.HANGUP;
        if ((events & Epoll.EPOLLERR) != 0) r |= Readiness.ERROR;
        if ((events & Epoll.EPOLLPRI) != 0) r |= Readiness.PRIORITY;
        return r;
    }

    private void ctl(int op, int fd, int events, long key) throws IOException {
        ctlEvent.set(JAVA_INT_UNALIGNED, Epoll.OFFSETOF_EVENTS, events);
        ctlEvent.set(JAVA_LONG_UNALIGNED, Epoll.OFFSETOF_DATA, key);
        if (Epoll.epoll_ctl(ctlErrno, epfd, op, fd, ctlEvent) != 0) {
            String name = op == Epoll.EPOLL_CTL_ADD ? "ADD" : "MOD";
            throw Epoll.error("epoll_ctl(" + name + ", fd=" + fd + ")", Native.errno(ctlErrno));
        }
    }
}
