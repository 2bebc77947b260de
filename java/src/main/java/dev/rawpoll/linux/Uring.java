package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.Native;
import dev.rawpoll.internal.Platform;
import dev.rawpoll.linux.bindings.__kernel_timespec;
import dev.rawpoll.linux.bindings.aarch64.io_uring_aarch64_h;
import dev.rawpoll.linux.bindings.io_cqring_offsets;
import dev.rawpoll.linux.bindings.io_sqring_offsets;
import dev.rawpoll.linux.bindings.io_uring_cqe;
import dev.rawpoll.linux.bindings.io_uring_getevents_arg;
import dev.rawpoll.linux.bindings.io_uring_h;
import dev.rawpoll.linux.bindings.io_uring_params;
import dev.rawpoll.linux.bindings.io_uring_sqe;
import dev.rawpoll.linux.bindings.pollfd;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The Linux calls of the io_uring backend, named as in C, each taking the errno capture segment
 * first; the one place where they are linked. Sizes, offsets and constants come from the jextract
 * bindings (generated from {@code native/linux/io_uring.h}) and are checked against the kernel's
 * {@code <linux/io_uring.h>} by the ABI probe ({@code UringAbiProbeTest}).
 *
 * <p>glibc has no wrappers for {@code io_uring_setup(2)} and {@code io_uring_enter(2)}: both go
 * through {@code long syscall(long number, ...)}. Its variadic arguments are read by glibc as
 * {@code long}s, so every one is passed as a 64-bit value (an {@code int} would leave the upper half
 * of the register undefined). The eventfd, read, write and close calls are {@link Epoll}'s.
 *
 * <pre>{@code
 * struct io_uring_sqe { u8 opcode; u8 flags; u16 ioprio; s32 fd; u64 off; u64 addr; u32 len;
 *                       union { u32 rw_flags; u32 poll32_events; ... }; u64 user_data; ... };  // 64 bytes
 * struct io_uring_cqe { u64 user_data; s32 res; u32 flags; };                                  // 16 bytes
 * }</pre>
 */
final class Uring {
    private Uring() {}

    /**
     * Whether the aarch64 bindings apply (by {@code os.arch}, as in {@link Epoll}); otherwise the
     * x86-64 ones. Every layout and constant comes from the set generated for the running
     * architecture (their values happen to be equal: {@code Aarch64AbiProbeTest}); the calls are
     * linked from the x86-64 set, whose descriptors are the aarch64 ones.
     */
    private static final boolean AARCH64 = Platform.ARCH == Platform.Arch.AARCH64;
    private static final GroupLayout PARAMS_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_params.layout() : io_uring_params.layout();
    private static final GroupLayout SQ_OFFSETS_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_sqring_offsets.layout() : io_sqring_offsets.layout();
    private static final GroupLayout CQ_OFFSETS_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_cqring_offsets.layout() : io_cqring_offsets.layout();
    private static final GroupLayout SQE_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_sqe.layout() : io_uring_sqe.layout();
    private static final GroupLayout CQE_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_cqe.layout() : io_uring_cqe.layout();
    private static final GroupLayout GETEVENTS_ARG_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_getevents_arg.layout() : io_uring_getevents_arg.layout();
    private static final GroupLayout TIMESPEC_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.__kernel_timespec.layout() : __kernel_timespec.layout();
    private static final GroupLayout POLLFD_LAYOUT = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.pollfd.layout() : pollfd.layout();

    private static long offset(GroupLayout struct, String field) {
        return struct.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    // struct io_uring_params
    static final long SIZEOF_PARAMS = PARAMS_LAYOUT.byteSize();
    static final long PARAMS_SQ_ENTRIES = offset(PARAMS_LAYOUT, "sq_entries");
    static final long PARAMS_CQ_ENTRIES = offset(PARAMS_LAYOUT, "cq_entries");
    static final long PARAMS_FLAGS = offset(PARAMS_LAYOUT, "flags");
    static final long PARAMS_FEATURES = offset(PARAMS_LAYOUT, "features");
    static final long PARAMS_SQ_OFF = offset(PARAMS_LAYOUT, "sq_off");
    static final long PARAMS_CQ_OFF = offset(PARAMS_LAYOUT, "cq_off");

    // struct io_sqring_offsets (inside the params, at PARAMS_SQ_OFF)
    static final long SQ_OFF_HEAD = offset(SQ_OFFSETS_LAYOUT, "head");
    static final long SQ_OFF_TAIL = offset(SQ_OFFSETS_LAYOUT, "tail");
    static final long SQ_OFF_RING_MASK = offset(SQ_OFFSETS_LAYOUT, "ring_mask");
    static final long SQ_OFF_FLAGS = offset(SQ_OFFSETS_LAYOUT, "flags");
    static final long SQ_OFF_ARRAY = offset(SQ_OFFSETS_LAYOUT, "array");

    // struct io_cqring_offsets (inside the params, at PARAMS_CQ_OFF)
    static final long CQ_OFF_HEAD = offset(CQ_OFFSETS_LAYOUT, "head");
    static final long CQ_OFF_TAIL = offset(CQ_OFFSETS_LAYOUT, "tail");
    static final long CQ_OFF_RING_MASK = offset(CQ_OFFSETS_LAYOUT, "ring_mask");
    static final long CQ_OFF_CQES = offset(CQ_OFFSETS_LAYOUT, "cqes");

    // struct io_uring_sqe
    static final long SIZEOF_SQE = SQE_LAYOUT.byteSize();
    static final long SQE_OPCODE = offset(SQE_LAYOUT, "opcode");
    static final long SQE_FD = offset(SQE_LAYOUT, "fd");
    static final long SQE_ADDR = offset(SQE_LAYOUT, "addr");
    static final long SQE_LEN = offset(SQE_LAYOUT, "len");
    static final long SQE_POLL32_EVENTS = AARCH64 // in an anonymous union: jextract's accessor, per set
            ? dev.rawpoll.linux.bindings.aarch64.io_uring_sqe.poll32_events$offset() : io_uring_sqe.poll32_events$offset();
    /** The op-specific flags word: rw_flags, poll32_events, msg_flags and accept_flags share it. */
    static final long SQE_OP_FLAGS = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_sqe.msg_flags$offset() : io_uring_sqe.msg_flags$offset();
    static final long SQE_OFF = AARCH64 ? dev.rawpoll.linux.bindings.aarch64.io_uring_sqe.off$offset() : io_uring_sqe.off$offset();
    static final long SQE_USER_DATA = offset(SQE_LAYOUT, "user_data");

    // struct io_uring_cqe
    static final long SIZEOF_CQE = CQE_LAYOUT.byteSize();
    static final long CQE_USER_DATA = offset(CQE_LAYOUT, "user_data");
    static final long CQE_RES = offset(CQE_LAYOUT, "res");
    static final long CQE_FLAGS = offset(CQE_LAYOUT, "flags");

    // struct io_uring_getevents_arg and struct __kernel_timespec
    static final long SIZEOF_GETEVENTS_ARG = GETEVENTS_ARG_LAYOUT.byteSize();
    static final long GETEVENTS_ARG_TS = offset(GETEVENTS_ARG_LAYOUT, "ts");
    static final long SIZEOF_TIMESPEC = TIMESPEC_LAYOUT.byteSize();
    static final long TIMESPEC_SEC = offset(TIMESPEC_LAYOUT, "tv_sec");
    static final long TIMESPEC_NSEC = offset(TIMESPEC_LAYOUT, "tv_nsec");

    // struct pollfd { int fd; short events; short revents; }, for poll(2)
    static final long SIZEOF_POLLFD = POLLFD_LAYOUT.byteSize();
    static final long POLLFD_FD = offset(POLLFD_LAYOUT, "fd");
    static final long POLLFD_EVENTS = offset(POLLFD_LAYOUT, "events");
    static final long POLLFD_REVENTS = offset(POLLFD_LAYOUT, "revents");

    // io_uring_setup flags and features
    static final int IORING_SETUP_CQSIZE = AARCH64 ? io_uring_aarch64_h.IORING_SETUP_CQSIZE() : io_uring_h.IORING_SETUP_CQSIZE();
    static final int IORING_SETUP_CLAMP = AARCH64 ? io_uring_aarch64_h.IORING_SETUP_CLAMP() : io_uring_h.IORING_SETUP_CLAMP();
    static final int IORING_SETUP_SUBMIT_ALL = AARCH64 ? io_uring_aarch64_h.IORING_SETUP_SUBMIT_ALL() : io_uring_h.IORING_SETUP_SUBMIT_ALL();
    static final int IORING_SETUP_COOP_TASKRUN = AARCH64 ? io_uring_aarch64_h.IORING_SETUP_COOP_TASKRUN() : io_uring_h.IORING_SETUP_COOP_TASKRUN();
    static final int IORING_FEAT_SINGLE_MMAP = AARCH64 ? io_uring_aarch64_h.IORING_FEAT_SINGLE_MMAP() : io_uring_h.IORING_FEAT_SINGLE_MMAP();
    static final int IORING_FEAT_NODROP = AARCH64 ? io_uring_aarch64_h.IORING_FEAT_NODROP() : io_uring_h.IORING_FEAT_NODROP();
    static final int IORING_FEAT_EXT_ARG = AARCH64 ? io_uring_aarch64_h.IORING_FEAT_EXT_ARG() : io_uring_h.IORING_FEAT_EXT_ARG();

    // mmap offsets
    static final long IORING_OFF_SQ_RING = AARCH64 ? io_uring_aarch64_h.IORING_OFF_SQ_RING() : io_uring_h.IORING_OFF_SQ_RING();
    static final long IORING_OFF_CQ_RING = AARCH64 ? io_uring_aarch64_h.IORING_OFF_CQ_RING() : io_uring_h.IORING_OFF_CQ_RING();
    static final long IORING_OFF_SQES = AARCH64 ? io_uring_aarch64_h.IORING_OFF_SQES() : io_uring_h.IORING_OFF_SQES();

    // io_uring_enter flags, sq ring flags
    static final int IORING_ENTER_GETEVENTS = AARCH64 ? io_uring_aarch64_h.IORING_ENTER_GETEVENTS() : io_uring_h.IORING_ENTER_GETEVENTS();
    static final int IORING_ENTER_EXT_ARG = AARCH64 ? io_uring_aarch64_h.IORING_ENTER_EXT_ARG() : io_uring_h.IORING_ENTER_EXT_ARG();
    static final int IORING_SQ_CQ_OVERFLOW = AARCH64 ? io_uring_aarch64_h.IORING_SQ_CQ_OVERFLOW() : io_uring_h.IORING_SQ_CQ_OVERFLOW();
    static final int IORING_SQ_TASKRUN = AARCH64 ? io_uring_aarch64_h.IORING_SQ_TASKRUN() : io_uring_h.IORING_SQ_TASKRUN();

    // opcodes, poll flags, cqe flags
    static final byte IORING_OP_NOP = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_NOP() : io_uring_h.IORING_OP_NOP());
    static final byte IORING_OP_POLL_ADD = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_POLL_ADD() : io_uring_h.IORING_OP_POLL_ADD());
    static final byte IORING_OP_POLL_REMOVE = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_POLL_REMOVE() : io_uring_h.IORING_OP_POLL_REMOVE());
    static final byte IORING_OP_ACCEPT = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_ACCEPT() : io_uring_h.IORING_OP_ACCEPT());
    static final byte IORING_OP_ASYNC_CANCEL = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_ASYNC_CANCEL() : io_uring_h.IORING_OP_ASYNC_CANCEL());
    static final byte IORING_OP_CONNECT = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_CONNECT() : io_uring_h.IORING_OP_CONNECT());
    static final byte IORING_OP_SEND = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_SEND() : io_uring_h.IORING_OP_SEND());
    static final byte IORING_OP_RECV = (byte) (AARCH64 ? io_uring_aarch64_h.IORING_OP_RECV() : io_uring_h.IORING_OP_RECV());
    static final int IORING_POLL_ADD_MULTI = AARCH64 ? io_uring_aarch64_h.IORING_POLL_ADD_MULTI() : io_uring_h.IORING_POLL_ADD_MULTI();
    static final int IORING_CQE_F_MORE = AARCH64 ? io_uring_aarch64_h.IORING_CQE_F_MORE() : io_uring_h.IORING_CQE_F_MORE();

    // poll(2) bits: what POLL_ADD asks for and reports (the same values as EPOLLIN & co.)
    static final int POLLIN = AARCH64 ? io_uring_aarch64_h.POLLIN() : io_uring_h.POLLIN();
    static final int POLLOUT = AARCH64 ? io_uring_aarch64_h.POLLOUT() : io_uring_h.POLLOUT();
    static final int POLLERR = AARCH64 ? io_uring_aarch64_h.POLLERR() : io_uring_h.POLLERR();
    static final int POLLHUP = AARCH64 ? io_uring_aarch64_h.POLLHUP() : io_uring_h.POLLHUP();
    static final int POLLRDHUP = AARCH64 ? io_uring_aarch64_h.POLLRDHUP() : io_uring_h.POLLRDHUP();
    static final int POLLPRI = AARCH64 ? io_uring_aarch64_h.POLLPRI() : io_uring_h.POLLPRI();

    // accept flags, send flags
    static final int SOCK_NONBLOCK = AARCH64 ? io_uring_aarch64_h.SOCK_NONBLOCK() : io_uring_h.SOCK_NONBLOCK();
    static final int SOCK_CLOEXEC = AARCH64 ? io_uring_aarch64_h.SOCK_CLOEXEC() : io_uring_h.SOCK_CLOEXEC();
    static final int MSG_NOSIGNAL = AARCH64 ? io_uring_aarch64_h.MSG_NOSIGNAL() : io_uring_h.MSG_NOSIGNAL();

    // mmap
    static final int PROT_READ = AARCH64 ? io_uring_aarch64_h.PROT_READ() : io_uring_h.PROT_READ();
    static final int PROT_WRITE = AARCH64 ? io_uring_aarch64_h.PROT_WRITE() : io_uring_h.PROT_WRITE();
    static final int MAP_SHARED = AARCH64 ? io_uring_aarch64_h.MAP_SHARED() : io_uring_h.MAP_SHARED();
    static final int MAP_POPULATE = AARCH64 ? io_uring_aarch64_h.MAP_POPULATE() : io_uring_h.MAP_POPULATE();

    // errno values the backend acts on
    static final int EINTR = AARCH64 ? io_uring_aarch64_h.EINTR() : io_uring_h.EINTR();
    static final int ETIME = AARCH64 ? io_uring_aarch64_h.ETIME() : io_uring_h.ETIME();
    static final int EBUSY = AARCH64 ? io_uring_aarch64_h.EBUSY() : io_uring_h.EBUSY();
    static final int ECANCELED = AARCH64 ? io_uring_aarch64_h.ECANCELED() : io_uring_h.ECANCELED();
    static final int EBADF = AARCH64 ? io_uring_aarch64_h.EBADF() : io_uring_h.EBADF();
    static final int ENOSYS = AARCH64 ? io_uring_aarch64_h.ENOSYS() : io_uring_h.ENOSYS();
    static final int EPERM = AARCH64 ? io_uring_aarch64_h.EPERM() : io_uring_h.EPERM();
    static final int EINVAL = AARCH64 ? io_uring_aarch64_h.EINVAL() : io_uring_h.EINVAL();
    static final int EEXIST = AARCH64 ? io_uring_aarch64_h.EEXIST() : io_uring_h.EEXIST();
    static final int ENOENT = AARCH64 ? io_uring_aarch64_h.ENOENT() : io_uring_h.ENOENT();
    static final int EACCES = AARCH64 ? io_uring_aarch64_h.EACCES() : io_uring_h.EACCES();
    static final int EAGAIN = AARCH64 ? io_uring_aarch64_h.EAGAIN() : io_uring_h.EAGAIN();

    private static final long SYS_IO_URING_SETUP = AARCH64 ? io_uring_aarch64_h.SYS_io_uring_setup() : io_uring_h.SYS_io_uring_setup();
    private static final long SYS_IO_URING_ENTER = AARCH64 ? io_uring_aarch64_h.SYS_io_uring_enter() : io_uring_h.SYS_io_uring_enter();

    /** {@code syscall(SYS_io_uring_setup, entries, params)}. */
    private static final MethodHandle SYSCALL_SETUP = Native.downcallVariadic(io_uring_h.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), 1);
    /** {@code syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz)}. Blocking: never critical. */
    private static final MethodHandle SYSCALL_ENTER = Native.downcallVariadic(io_uring_h.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle MMAP =
            Native.downcall(io_uring_h.mmap$address(), io_uring_h.mmap$descriptor(), false);
    private static final MethodHandle MUNMAP =
            Native.downcall(io_uring_h.munmap$address(), io_uring_h.munmap$descriptor(), false);
    /** Only ever called with timeout 0 (it never blocks), so critical. */
    private static final MethodHandle POLL =
            Native.downcall(io_uring_h.poll$address(), io_uring_h.poll$descriptor(), true);

    /** {@code int io_uring_setup(u32 entries, struct io_uring_params *p)}: the ring's descriptor, or -1. */
    static int io_uring_setup(MemorySegment errno, int entries, MemorySegment params) {
        try {
            return (int) (long) SYSCALL_SETUP.invokeExact(errno, SYS_IO_URING_SETUP, Integer.toUnsignedLong(entries), params);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * {@code int io_uring_enter(unsigned fd, u32 to_submit, u32 min_complete, u32 flags, const void *arg,
     * size_t argsz)}: how many SQEs were consumed, or -1.
     */
    static int io_uring_enter(MemorySegment errno, int fd, int toSubmit, int minComplete, int flags,
                              MemorySegment arg, long argsz) {
        try {
            return (int) (long) SYSCALL_ENTER.invokeExact(errno, SYS_IO_URING_ENTER, Integer.toUnsignedLong(fd),
                    Integer.toUnsignedLong(toSubmit), Integer.toUnsignedLong(minComplete), Integer.toUnsignedLong(flags),
                    arg, argsz);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)}; MAP_FAILED is -1. */
    static MemorySegment mmap(MemorySegment errno, MemorySegment addr, long length, int prot, int flags, int fd, long offset) {
        try {
            return (MemorySegment) MMAP.invokeExact(errno, addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static int munmap(MemorySegment errno, MemorySegment addr, long length) {
        try {
            return (int) MUNMAP.invokeExact(errno, addr, length);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}: how many entries have a
     * non-zero revents, or -1. Callers pass timeout 0: the call must not block.
     */
    static int poll(MemorySegment errno, MemorySegment fds, long nfds, int timeout) {
        try {
            return (int) POLL.invokeExact(errno, fds, nfds, timeout);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** {@code call: EEXIST (File exists)}, with names from glibc's strerrorname_np/strerrordesc_np. */
    static SystemCallException error(String call, int errno) {
        return Errno.error(call, errno);
    }
}
