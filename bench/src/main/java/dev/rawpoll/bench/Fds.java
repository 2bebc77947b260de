package dev.rawpoll.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.internal.Native;
import dev.rawpoll.linux.bindings.epoll_h;
import dev.rawpoll.linux.bindings.io_uring_h;
import dev.rawpoll.linux.bindings.io_uring_params;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls the benchmarks make on their own descriptors (pipes to register, bytes to make
 * them ready), and the raw epoll calls of the "floor" variants, linked exactly as the epoll backend
 * links them ({@link Native#downcall}, errno captured, critical for calls that cannot block) so that
 * the floor differs from rawpoll only by what rawpoll adds on top. Setup code: none of it is timed
 * except {@link #epollWaitNow} and {@link #epollCtl}.
 */
final class Fds {
    private Fds() {}

    private static final Linker LINKER = Linker.nativeLinker();

    // int pipe(int fds[2]); int dup(int fd): no structs, no constants.
    private static final MethodHandle PIPE = Native.downcall(
            LINKER.defaultLookup().findOrThrow("pipe"), FunctionDescriptor.of(JAVA_INT, ADDRESS), true);
    private static final MethodHandle DUP = Native.downcall(
            LINKER.defaultLookup().findOrThrow("dup"), FunctionDescriptor.of(JAVA_INT, JAVA_INT), true);
    private static final MethodHandle WRITE =
            Native.downcall(epoll_h.write$address(), epoll_h.write$descriptor(), true);
    private static final MethodHandle CLOSE =
            Native.downcall(epoll_h.close$address(), epoll_h.close$descriptor(), false);
    private static final MethodHandle EPOLL_CREATE1 =
            Native.downcall(epoll_h.epoll_create1$address(), epoll_h.epoll_create1$descriptor(), true);
    private static final MethodHandle EPOLL_CTL =
            Native.downcall(epoll_h.epoll_ctl$address(), epoll_h.epoll_ctl$descriptor(), true);
    /** As the backend's timeout-0 handle: critical, since it cannot block. */
    private static final MethodHandle EPOLL_WAIT_NOW =
            Native.downcall(epoll_h.epoll_wait$address(), epoll_h.epoll_wait$descriptor(), true);

    // long syscall(long number, ...): io_uring has no glibc wrapper. Variadic after the number.
    private static final MethodHandle SYSCALL_SETUP = Native.downcallVariadic(
            io_uring_h.syscall.address(), FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    private static final MethodHandle SYSCALL_ENTER = Native.downcallVariadic(io_uring_h.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), 1);
    static final int IORING_ENTER_GETEVENTS = io_uring_h.IORING_ENTER_GETEVENTS();

    static final int EPOLL_CTL_ADD = epoll_h.EPOLL_CTL_ADD();
    static final int EPOLL_CTL_MOD = epoll_h.EPOLL_CTL_MOD();
    static final int EPOLL_CTL_DEL = epoll_h.EPOLL_CTL_DEL();
    static final int EPOLLIN = epoll_h.EPOLLIN();
    static final int EPOLLOUT = epoll_h.EPOLLOUT();
    static final int EPOLL_CLOEXEC = epoll_h.EPOLL_CLOEXEC();

    /** A pipe: {@code [readFd, writeFd]}. */
    static int[] pipe(Arena arena, MemorySegment errno) throws IOException {
        MemorySegment fds = arena.allocate(JAVA_INT, 2);
        int rc;
        try {
            rc = (int) PIPE.invokeExact(errno, fds);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(rc, "pipe", errno);
        return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }

    static int dup(int fd, MemorySegment errno) throws IOException {
        int rc;
        try {
            rc = (int) DUP.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        return check(rc, "dup", errno);
    }

    /** Writes one byte: a pipe's read end stays readable (level-triggered) until it is read. */
    static void writeByte(int fd, MemorySegment oneByte, MemorySegment errno) throws IOException {
        long rc;
        try {
            rc = (long) WRITE.invokeExact(errno, fd, oneByte, 1L);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check((int) rc, "write", errno);
    }

    /** Teardown only: a failure to close cannot change a result, so it is not checked. */
    static void close(int fd, MemorySegment errno) {
        try {
            int ignored = (int) CLOSE.invokeExact(errno, fd);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int epollCreate(MemorySegment errno) throws IOException {
        int rc;
        try {
            rc = (int) EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        return check(rc, "epoll_create1", errno);
    }

    static int epollCtl(MemorySegment errno, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(errno, epfd, op, fd, event);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int epollWaitNow(MemorySegment errno, int epfd, MemorySegment events, int maxEvents) {
        try {
            return (int) EPOLL_WAIT_NOW.invokeExact(errno, epfd, events, maxEvents, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** A ring of {@code entries} SQEs, not mapped: enough for {@link #ioUringEnterNow} with nothing to submit. */
    static int ioUringSetup(Arena arena, MemorySegment errno, int entries) throws IOException {
        MemorySegment params = arena.allocate(io_uring_params.layout());
        try {
            return check((int) (long) SYSCALL_SETUP.invokeExact(errno, (long) io_uring_h.SYS_io_uring_setup(),
                    (long) entries, params), "io_uring_setup", errno);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code io_uring_enter(fd, 0, 0, GETEVENTS, NULL, 0)}: the system call a poll(0) on io_uring makes, with nothing in it. */
    static int ioUringEnterNow(MemorySegment errno, int ringFd) {
        try {
            return (int) (long) SYSCALL_ENTER.invokeExact(errno, (long) io_uring_h.SYS_io_uring_enter(), (long) ringFd,
                    0L, 0L, (long) IORING_ENTER_GETEVENTS, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static MemorySegment oneByte(Arena arena) {
        return arena.allocateFrom(JAVA_BYTE, (byte) 'x');
    }

    static MemorySegment errnoSegment(Arena arena) {
        return Native.allocateCapture(arena);
    }

    static int check(int rc, String call, MemorySegment errno) throws IOException {
        if (rc < 0) {
            throw new IOException(call + " failed: errno " + Native.errno(errno));
        }
        return rc;
    }
}
