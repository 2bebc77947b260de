package dev.rawpoll.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.OutOfLineDowncall;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.linux.bindings.aarch64.epoll_aarch64_h;
import dev.rawpoll.linux.bindings.epoll_h;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux calls of the epoll backend, named as in C, each taking the errno capture segment
 * first; the one place where they are linked. Sizes and constants come from the jextract bindings
 * generated from {@code native/linux/epoll.h} for the running architecture ({@link Platform#ARCH}:
 * {@code bindings} for x86-64, {@code bindings.aarch64} for aarch64), chosen once when this class
 * initialises, and are checked against the real headers by the ABI probe (on aarch64: cross-built
 * and run under qemu-user by {@code Aarch64AbiProbeTest}).
 *
 * <pre>{@code
 * typedef union epoll_data { void *ptr; int fd; uint32_t u32; uint64_t u64; } epoll_data_t;
 * struct epoll_event { uint32_t events; epoll_data_t data; } __EPOLL_PACKED;
 * // packed on x86-64 only: 12 bytes, data at 4; aarch64: 16 bytes, data at 8
 * }</pre>
 * The function descriptors are the same on both (LP64 Linux): the calls are linked from the x86-64
 * set.
 */
final class Epoll {
    private Epoll() {}

    /** Whether the aarch64 bindings apply; otherwise the x86-64 ones (Poller.open refuses other architectures). */
    private static final boolean AARCH64 = Platform.ARCH == Platform.Arch.AARCH64;

    // struct epoll_event
    private static final GroupLayout EPOLL_EVENT = AARCH64
            ? dev.rawpoll.linux.bindings.aarch64.epoll_event.layout()
            : dev.rawpoll.linux.bindings.epoll_event.layout();
    static final long SIZEOF_EPOLL_EVENT = EPOLL_EVENT.byteSize();
    static final long OFFSETOF_EVENTS = EPOLL_EVENT.byteOffset(groupElement("events"));
    static final long OFFSETOF_DATA = EPOLL_EVENT.byteOffset(groupElement("data"));

    // epoll_ctl ops
    static final int EPOLL_CTL_ADD = AARCH64 ? epoll_aarch64_h.EPOLL_CTL_ADD() : epoll_h.EPOLL_CTL_ADD();
    static final int EPOLL_CTL_MOD = AARCH64 ? epoll_aarch64_h.EPOLL_CTL_MOD() : epoll_h.EPOLL_CTL_MOD();
    static final int EPOLL_CTL_DEL = AARCH64 ? epoll_aarch64_h.EPOLL_CTL_DEL() : epoll_h.EPOLL_CTL_DEL();
    static final int EPOLL_CLOEXEC = AARCH64 ? epoll_aarch64_h.EPOLL_CLOEXEC() : epoll_h.EPOLL_CLOEXEC();

    // event bits
    static final int EPOLLIN = AARCH64 ? epoll_aarch64_h.EPOLLIN() : epoll_h.EPOLLIN();
    static final int EPOLLOUT = AARCH64 ? epoll_aarch64_h.EPOLLOUT() : epoll_h.EPOLLOUT();
    static final int EPOLLRDHUP = AARCH64 ? epoll_aarch64_h.EPOLLRDHUP() : epoll_h.EPOLLRDHUP();
    static final int EPOLLHUP = AARCH64 ? epoll_aarch64_h.EPOLLHUP() : epoll_h.EPOLLHUP();
    static final int EPOLLERR = AARCH64 ? epoll_aarch64_h.EPOLLERR() : epoll_h.EPOLLERR();
    /** Urgent (out-of-band) data, or an exceptional condition of the file. */
    static final int EPOLLPRI = AARCH64 ? epoll_aarch64_h.EPOLLPRI() : epoll_h.EPOLLPRI();
    static final int EPOLLET = AARCH64 ? epoll_aarch64_h.EPOLLET() : epoll_h.EPOLLET();
    static final int EPOLLONESHOT = AARCH64 ? epoll_aarch64_h.EPOLLONESHOT() : epoll_h.EPOLLONESHOT();

    // eventfd flags
    static final int EFD_CLOEXEC = AARCH64 ? epoll_aarch64_h.EFD_CLOEXEC() : epoll_h.EFD_CLOEXEC();
    static final int EFD_NONBLOCK = AARCH64 ? epoll_aarch64_h.EFD_NONBLOCK() : epoll_h.EFD_NONBLOCK();

    // errno values the backend acts on
    static final int EINTR = AARCH64 ? epoll_aarch64_h.EINTR() : epoll_h.EINTR();
    static final int EAGAIN = AARCH64 ? epoll_aarch64_h.EAGAIN() : epoll_h.EAGAIN();

    // The C signatures, written from the bindings' C types (C_INT, C_POINTER, C_LONG) instead of
    // taken from epoll_h.X$descriptor(): touching a jextract function holder links a downcall
    // handle of its own, which rawpoll never uses, and linking is most of a cold Poller.open().
    // EpollDescriptorsTest checks that each equals the bindings' descriptor.
    static final FunctionDescriptor EPOLL_CREATE1_DESC = FunctionDescriptor.of(epoll_h.C_INT, epoll_h.C_INT);
    static final FunctionDescriptor EPOLL_CTL_DESC =
            FunctionDescriptor.of(epoll_h.C_INT, epoll_h.C_INT, epoll_h.C_INT, epoll_h.C_INT, epoll_h.C_POINTER);
    static final FunctionDescriptor EPOLL_WAIT_DESC =
            FunctionDescriptor.of(epoll_h.C_INT, epoll_h.C_INT, epoll_h.C_POINTER, epoll_h.C_INT, epoll_h.C_INT);
    static final FunctionDescriptor EVENTFD_DESC = FunctionDescriptor.of(epoll_h.C_INT, epoll_h.C_INT, epoll_h.C_INT);
    static final FunctionDescriptor READ_DESC = FunctionDescriptor.of(epoll_h.C_LONG, epoll_h.C_INT, epoll_h.C_POINTER, epoll_h.C_LONG);
    static final FunctionDescriptor WRITE_DESC = READ_DESC;
    static final FunctionDescriptor CLOSE_DESC = FunctionDescriptor.of(epoll_h.C_INT, epoll_h.C_INT);

    private static final MethodHandle EPOLL_CREATE1 = Native.downcall(Native.libc("epoll_create1"), EPOLL_CREATE1_DESC, true);
    private static final MethodHandle EPOLL_CTL = Native.downcall(Native.libc("epoll_ctl"), EPOLL_CTL_DESC, true);
    /** Blocking: never critical. Out of line (see {@code epoll_wait}). */
    private static final OutOfLineDowncall EPOLL_WAIT =
            new OutOfLineDowncall(Native.downcall(Native.libc("epoll_wait"), EPOLL_WAIT_DESC, false));
    /** The same call for timeout 0, which cannot block. */
    private static final OutOfLineDowncall EPOLL_WAIT_NOW =
            new OutOfLineDowncall(Native.downcall(Native.libc("epoll_wait"), EPOLL_WAIT_DESC, true));
    private static final MethodHandle EVENTFD = Native.downcall(Native.libc("eventfd"), EVENTFD_DESC, true);
    /** Only used on the (non-blocking) eventfd. */
    private static final MethodHandle READ = Native.downcall(Native.libc("read"), READ_DESC, true);
    private static final MethodHandle WRITE = Native.downcall(Native.libc("write"), WRITE_DESC, true);
    private static final MethodHandle CLOSE = Native.downcall(Native.libc("close"), CLOSE_DESC, false);

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

    /**
     * epoll_wait(2); timeout 0 through the critical handle. Both handles are {@link
     * OutOfLineDowncall}s: FFM's capture-state check slices the errno segment on every call, and
     * only a chain the JIT inlines whole lets escape analysis remove that slice, which from the
     * loop's poll phase it did not always (the callback echo server allocated one segment per
     * poll, ~0.04 B per round trip at 1,000 connections).
     */
    static int epoll_wait(MemorySegment errno, int epfd, MemorySegment events, int maxevents, int timeout) {
        return timeout == 0 ? epollWaitNow(errno, epfd, events, maxevents) : epollWait(errno, epfd, events, maxevents, timeout);
    }

    private static int epollWait(MemorySegment errno, int epfd, MemorySegment events, int maxevents, int timeout) {
        try {
            return (int) EPOLL_WAIT.handle().invokeExact(errno, epfd, events, maxevents, timeout);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    private static int epollWaitNow(MemorySegment errno, int epfd, MemorySegment events, int maxevents) {
        try {
            return (int) EPOLL_WAIT_NOW.handle().invokeExact(errno, epfd, events, maxevents, 0);
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
