package dev.rawpoll.bsd;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.bsd.bindings.kqueue_h;
import dev.rawpoll.bsd.bindings.timespec;
import dev.rawpoll.internal.Errno;
import dev.rawpoll.internal.Native;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * The kqueue calls, named as in C, each taking the errno capture segment first; the one place
 * where they are linked, for the {@link #PROFILE} of the running platform. On macOS and FreeBSD
 * the symbols come from libc; on Linux from the libkqueue that {@code RAWPOLL_LIBKQUEUE} names,
 * loaded here first (the bindings look symbols up in the libraries loaded by their class loader).
 *
 * <pre>{@code
 * struct kevent {            // macOS, libkqueue: 32 bytes; FreeBSD 12+: 64 (adds uint64_t ext[4])
 *     uintptr_t ident; int16_t filter; uint16_t flags; uint32_t fflags; intptr_t data; void *udata;
 * };
 * int kevent(int kq, const struct kevent *changelist, int nchanges,
 *            struct kevent *eventlist, int nevents, const struct timespec *timeout);
 * }</pre>
 */
final class Kqueue {
    private Kqueue() {}

    /** The platform this class linked against; initializing this class without one is a bug of ours. */
    static final KqueueAbi PROFILE = KqueueAbi.detect().orElseThrow(
            () -> new IllegalStateException("no kqueue on this platform"));

    static {
        if (PROFILE == KqueueAbi.LIBKQUEUE) {
            System.load(KqueueAbi.libkqueuePath().orElseThrow());
        }
    }

    // filters
    static final short EVFILT_READ = (short) kqueue_h.EVFILT_READ();
    static final short EVFILT_WRITE = (short) kqueue_h.EVFILT_WRITE();
    static final short EVFILT_USER = PROFILE.evfiltUser;

    // actions and flags
    static final short EV_ADD = (short) kqueue_h.EV_ADD();
    static final short EV_DELETE = (short) kqueue_h.EV_DELETE();
    static final short EV_ONESHOT = (short) kqueue_h.EV_ONESHOT();
    static final short EV_CLEAR = (short) kqueue_h.EV_CLEAR();
    static final short EV_RECEIPT = (short) kqueue_h.EV_RECEIPT();
    static final short EV_ERROR = (short) kqueue_h.EV_ERROR();
    static final short EV_EOF = (short) kqueue_h.EV_EOF();

    // EVFILT_USER fflags
    static final int NOTE_TRIGGER = kqueue_h.NOTE_TRIGGER();

    // errno values the backend acts on or reports itself
    static final int EINTR = kqueue_h.EINTR();
    static final int ENOENT = kqueue_h.ENOENT();
    static final int EEXIST = kqueue_h.EEXIST();

    // struct timespec
    static final long SIZEOF_TIMESPEC = timespec.sizeof();
    static final long OFFSETOF_TV_SEC = timespec.tv_sec$offset();
    static final long OFFSETOF_TV_NSEC = timespec.tv_nsec$offset();

    private static final MethodHandle KQUEUE =
            Native.downcall(kqueue_h.kqueue$address(), kqueue_h.kqueue$descriptor(), true);
    /** Waits: never critical. */
    private static final MethodHandle KEVENT =
            Native.downcall(kqueue_h.kevent$address(), kqueue_h.kevent$descriptor(), false);
    /** The same call with a zero timeout (or no eventlist), which cannot block. */
    private static final MethodHandle KEVENT_NOW =
            Native.downcall(kqueue_h.kevent$address(), kqueue_h.kevent$descriptor(), true);
    private static final MethodHandle CLOSE =
            Native.downcall(kqueue_h.close$address(), kqueue_h.close$descriptor(), false);
    /**
     * libkqueue only ({@code void libkqueue_drain_pending_close(void)}): finishes the cleanup of
     * closed kqueues now. Not in the header: it is no part of the kqueue ABI, and older builds
     * lack it.
     */
    private static final Optional<MethodHandle> DRAIN_PENDING_CLOSE = PROFILE.closeIsAsynchronous
            ? SymbolLookup.loaderLookup().find("libkqueue_drain_pending_close")
                    .map(a -> Linker.nativeLinker().downcallHandle(a, FunctionDescriptor.ofVoid()))
            : Optional.empty();

    static int kqueue(MemorySegment errno) {
        try {
            return (int) KQUEUE.invokeExact(errno);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * {@code timeout} is a {@code struct timespec} or NULL (wait forever); {@code now} says the
     * call cannot block (a zero timeout, or no eventlist), which links it as critical.
     */
    static int kevent(MemorySegment errno, int kq, MemorySegment changelist, int nchanges,
                      MemorySegment eventlist, int nevents, MemorySegment timeout, boolean now) {
        try {
            return now
                    ? (int) KEVENT_NOW.invokeExact(errno, kq, changelist, nchanges, eventlist, nevents, timeout)
                    : (int) KEVENT.invokeExact(errno, kq, changelist, nchanges, eventlist, nevents, timeout);
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

    /** libkqueue: releases the descriptors and threads of closed kqueues before returning. */
    static void drainPendingClose() {
        if (DRAIN_PENDING_CLOSE.isPresent()) {
            try {
                DRAIN_PENDING_CLOSE.get().invokeExact();
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
        }
    }

    /** {@code call: EBADF (Bad file descriptor)}, with the errno names of the platform. */
    static SystemCallException error(String call, int errno) {
        return Errno.error(call, errno);
    }

    /** {@code "EVFILT_READ"}, {@code "EVFILT_WRITE"}, {@code "EVFILT_USER"} for messages. */
    static String filterName(short filter) {
        if (filter == EVFILT_READ) return "EVFILT_READ";
        if (filter == EVFILT_WRITE) return "EVFILT_WRITE";
        if (filter == EVFILT_USER) return "EVFILT_USER";
        return "filter " + filter;
    }

    /** {@code "EV_ADD|EV_CLEAR|EV_RECEIPT"} and the like, for messages. */
    static String flagNames(short flags) {
        StringBuilder sb = new StringBuilder();
        appendFlag(sb, flags, EV_ADD, "EV_ADD");
        appendFlag(sb, flags, EV_DELETE, "EV_DELETE");
        appendFlag(sb, flags, EV_ONESHOT, "EV_ONESHOT");
        appendFlag(sb, flags, EV_CLEAR, "EV_CLEAR");
        appendFlag(sb, flags, EV_RECEIPT, "EV_RECEIPT");
        return sb.isEmpty() ? "0" : sb.toString();
    }

    private static void appendFlag(StringBuilder sb, short flags, short flag, String name) {
        if ((flags & flag) != 0) {
            if (!sb.isEmpty()) sb.append('|');
            sb.append(name);
        }
    }
}
