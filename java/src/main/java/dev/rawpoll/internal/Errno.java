package dev.rawpoll.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * errno names and texts for {@link dev.rawpoll.SystemCallException}, looked up only when an error
 * is reported. On Linux the names come from glibc ({@code strerrorname_np}); macOS and FreeBSD
 * have no such call and number their errors differently from Linux (EAGAIN is 35 there, 11 on
 * Linux), so their names come from {@link #BSD_NAMES}, checked against the real {@code <errno.h>}
 * by the kqueue ABI probe.
 */
public final class Errno {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor INT_TO_STRING = FunctionDescriptor.of(ADDRESS, JAVA_INT);
    private static final boolean LINUX = Platform.OS == Platform.Os.LINUX;
    // Looked up by name, not through bindings: a libc without them (musl) still gets "errno N".
    private static final Optional<MethodHandle> NAME = LINUX ? lookup("strerrorname_np") : Optional.empty();
    private static final Optional<MethodHandle> DESCRIPTION = lookup(LINUX ? "strerrordesc_np" : "strerror");

    /**
     * The errno names of FreeBSD up to 66, indexed by number, from its published {@code
     * <sys/errno.h>}: 4.4BSD's numbering, which macOS shares except for 45 (see {@link #name}).
     */
    static final String[] BSD_NAMES = {
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EDEADLK", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
        "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE",
        "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EAGAIN", "EINPROGRESS", "EALREADY", "ENOTSOCK", "EDESTADDRREQ",
        "EMSGSIZE", "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
        "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET", "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS",
        "ETIMEDOUT", "ECONNREFUSED", "ELOOP", "ENAMETOOLONG", "EHOSTDOWN", "EHOSTUNREACH", "ENOTEMPTY",
    };

    /** macOS splits FreeBSD's EOPNOTSUPP (45) into ENOTSUP (45) and EOPNOTSUPP (102, sockets). */
    private static final int MACOS_ENOTSUP = 45;
    private static final int MACOS_EOPNOTSUPP = 102;
    private static final boolean MACOS = Platform.OS == Platform.Os.MACOS;

    private Errno() {}

    /** {@code call: EEXIST (File exists)}: the exception every failed call is reported with. */
    public static dev.rawpoll.SystemCallException error(String call, int errno) {
        return new dev.rawpoll.SystemCallException(call, errno, name(errno), description(errno));
    }

    private static Optional<MethodHandle> lookup(String function) {
        return LINKER.defaultLookup().find(function).map(a -> LINKER.downcallHandle(a, INT_TO_STRING));
    }

    /** {@code EBADF} and the like; {@code "errno N"} if unknown. */
    public static String name(int errno) {
        if (!LINUX) {
            if (MACOS && errno == MACOS_ENOTSUP) return "ENOTSUP";
            if (MACOS && errno == MACOS_EOPNOTSUPP) return "EOPNOTSUPP";
            return errno > 0 && errno < BSD_NAMES.length ? BSD_NAMES[errno] : "errno " + errno;
        }
        return call(NAME, errno).orElse("errno " + errno);
    }

    /** {@code Bad file descriptor} and the like. */
    public static String description(int errno) {
        return call(DESCRIPTION, errno).orElse("unknown error");
    }

    private static Optional<String> call(Optional<MethodHandle> handle, int errno) {
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        try {
            MemorySegment s = (MemorySegment) handle.get().invokeExact(errno);
            return s.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(s.reinterpret(256).getString(0));
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
