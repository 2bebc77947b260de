package dev.rawpoll.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.rawpoll.SystemCallException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * errno names and texts on Linux, from glibc's {@code strerrorname_np}/{@code strerrordesc_np},
 * looked up only when an error is reported. Shared by the epoll backend and the sockets.
 */
public final class LinuxErrno {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor INT_TO_STRING = FunctionDescriptor.of(ADDRESS, JAVA_INT);
    // Looked up by name, not through the bindings: a libc without them (musl) still gets "errno N".
    private static final Optional<MethodHandle> NAME = lookup("strerrorname_np");
    private static final Optional<MethodHandle> DESCRIPTION = lookup("strerrordesc_np");

    private LinuxErrno() {}

    /** {@code call: EEXIST (File exists)}. */
    public static SystemCallException error(String call, int errno) {
        return new SystemCallException(call, errno, name(errno), description(errno));
    }

    /** {@code EEXIST}, or {@code "errno N"} if the libc has no name for it. */
    public static String name(int errno) {
        return call(NAME, errno).orElse("errno " + errno);
    }

    /** {@code File exists}, or {@code "unknown error"}. */
    public static String description(int errno) {
        return call(DESCRIPTION, errno).orElse("unknown error");
    }

    private static Optional<MethodHandle> lookup(String function) {
        return LINKER.defaultLookup().find(function).map(a -> LINKER.downcallHandle(a, INT_TO_STRING));
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
