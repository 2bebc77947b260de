package dev.rawpoll.linux;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.Native;
import dev.rawpoll.linux.bindings.epoll_event;
import dev.rawpoll.linux.bindings.epoll_h;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux calls of the epoll backend, named as in C, each taking the errno capture segment
 * first; the one place where they are linked. Sizes and constants come from the jextract bindings
 * (generated from {@code native/linux/epoll.h}) and are checked against the real headers by the
 * ABI probe.
 *
 * <pre>{@code
 * typedef union epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; } epoll_data_t;
 * struct epoll_event { uint32_t events; epoll_data_t data; } __EPOLL_PACKED;  // packed on x86-64: 12 bytes
 * }</pre>
 */
final class Epoll {
    private Epoll() {}

    // struct epoll_event
    static final long SIZEOF_EPOLL_EVENT = epoll_event.sizeof();
    static final long OFFSETOF_EVENTS = epoll_event.events$offset();
    static final long OFFSETOF_DATA = epoll_event.data$offset();

    // epoll_ctl ops
    static final int EPOLL_CTL_ADD = epoll_h.EPOLL_CTL_ADD();
    static final int EPOLL_CTL_MOD = epoll_h.EPOLL_CTL_MOD();
    static final int EPOLL_CTL_DEL = epoll_h.EPOLL_CTL_DEL();
    static final int EPOLL_CLOEXEC = epoll_h.EPOLL_CLOEXEC();

    // event bits
    static final int EPOLLIN = epoll_h.EPOLLIN();
    static final int EPOLLOUT = epoll_h.EPOLLOUT();
    static final int EPOLLRDHUP = epoll_h.EPOLLRDHUP();
    static final int EPOLLHUP = epoll_h.EPOLLHUP();
    static final int EPOLLERR = epoll_h.EPOLLERR();
    /** Urgent (out-of-band) data, or an exceptional condition of the file. */
    static final int EPOLLPRI = epoll_h.EPOLLPRI();
    static final int EPOLLET = epoll_h.EPOLLET();
    static final int EPOLLONESHOT = epoll_h.EPOLLONESHOT();

    // eventfd flags
    static final int EFD_CLOEXEC = epoll_h.EFD_CLOEXEC();
    static final int EFD_NONBLOCK = epoll_h.EFD_NONBLOCK();

    // errno values the backend acts on
    static final int EINTR = epoll_h.EINTR();
    static final int EAGAIN = epoll_h.EAGAIN();

    private static final MethodHandle EPOLL_CREATE1 =
            Native.downcall(epoll_h.epoll_create1$address(), epoll_h.epoll_create1$descriptor(), true);
    private static final MethodHandle EPOLL_CTL =
            Native.downcall(epoll_h.epoll_ctl$address(), epoll_h.epoll_ctl$descriptor(), true);
    /** Blocking: never critical. */
    private static final MethodHandle EPOLL_WAIT =
            Native.downcall(epoll_h.epoll_wait$address(), epoll_h.epoll_wait$descriptor(), false);
    /** The same call for timeout 0, which cannot block. */
    private static final MethodHandle EPOLL_WAIT_NOW =
            Native.downcall(epoll_h.epoll_wait$address(), epoll_h.epoll_wait$descriptor(), true);
    private static final MethodHandle EVENTFD =
            Native.downcall(epoll_h.eventfd$address(), epoll_h.eventfd$descriptor(), true);
    /** Only used on the (non-blocking) eventfd. */
    private static final MethodHandle READ =
            Native.downcall(epoll_h.read$address(), epoll_h.read$descriptor(), true);
    private static final MethodHandle WRITE =
            Native.downcall(epoll_h.write$address(), epoll_h.write$descriptor(), true);
    private static final MethodHandle CLOSE =
            Native.downcall(epoll_h.close$address(), epoll_h.close$descriptor(), false);

    static int epoll_create1(MemorySegment errno, int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(errno, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int epoll_ctl(MemorySegment errno, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(errno, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int epoll_wait(MemorySegment errno, int epfd, MemorySegment events, int maxevents, int timeout) {
        try {
            return timeout == 0
                    ? (int) EPOLL_WAIT_NOW.invokeExact(errno, epfd, events, maxevents, 0)
                    : (int) EPOLL_WAIT.invokeExact(errno, epfd, events, maxevents, timeout);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int eventfd(MemorySegment errno, int initval, int flags) {
        try {
            return (int) EVENTFD.invokeExact(errno, initval, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static long read(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) READ.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static long write(MemorySegment errno, int fd, MemorySegment buf, long count) {
        try {
            return (long) WRITE.invokeExact(errno, fd, buf, count);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int close(MemorySegment errno, int fd) {
        try {
            return (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code call: EEXIST (File exists)}, with names from glibc's strerrorname_np/strerrordesc_np. */
    static SystemCallException error(String call, int errno) {
        return Errno.error(call, errno);
    }
}
