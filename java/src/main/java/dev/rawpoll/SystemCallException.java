package dev.rawpoll;

import java.io.IOException;

/**
 * A system call failed. The message names the call with its arguments, the errno's symbolic
 * name and its text, e.g. {@code epoll_ctl(ADD, fd=7): EEXIST (File exists)}.
 *
 * <p>On Windows {@link #errno()} holds the {@code GetLastError()} code or the {@code NTSTATUS}
 * and {@link #errnoName()} its symbolic name ({@code ERROR_INVALID_HANDLE}, {@code STATUS_CANCELLED}).
 *
 * <p>{@link #kind()} says what went wrong in portable terms (as mio's {@code io::ErrorKind}), so
 * that a caller need not match Linux errno names on Windows: registering a handle twice is {@link
 * Kind#ALREADY_REGISTERED} whether the OS said EEXIST or ERROR_ALREADY_EXISTS.
 */
public class SystemCallException extends IOException {
    private final String call;
    private final int errno;
    private final String errnoName;
    private final Kind kind;

    /** What a failed call means, whatever the OS called it. */
    public enum Kind {
        /** The handle is registered with this poller already (EEXIST; ERROR_ALREADY_EXISTS). */
        ALREADY_REGISTERED,
        /** The handle is not registered with this poller (ENOENT; ERROR_NOT_FOUND). */
        NOT_REGISTERED,
        /**
         * The value names no open handle of a usable kind (EBADF, ENOTSOCK; WSAENOTSOCK,
         * ERROR_INVALID_HANDLE, STATUS_INVALID_HANDLE, STATUS_OBJECT_TYPE_MISMATCH).
         */
        BAD_HANDLE,
        /** The handle cannot be polled, such as a regular file under epoll (EPERM). */
        NOT_POLLABLE,
        /** The process or the system ran out of descriptors or memory (EMFILE, ENFILE, ENOMEM, ENOBUFS; WSAEMFILE, WSAENOBUFS, ERROR_NOT_ENOUGH_MEMORY). */
        OUT_OF_RESOURCES,
        /** Anything else: see {@link #errnoName()}. */
        OTHER;

        /** The kind of the error called {@code name} on any OS rawpoll runs on. */
        public static Kind of(String name) {
            return switch (name) {
                case "EEXIST", "ERROR_ALREADY_EXISTS" -> ALREADY_REGISTERED;
                case "ENOENT", "ERROR_NOT_FOUND" -> NOT_REGISTERED;
                case "EBADF", "ENOTSOCK", "WSAENOTSOCK", "ERROR_INVALID_HANDLE", "STATUS_INVALID_HANDLE",
                     "STATUS_OBJECT_TYPE_MISMATCH" -> BAD_HANDLE;
                case "EPERM" -> NOT_POLLABLE;
                case "EMFILE", "ENFILE", "ENOMEM", "ENOBUFS", "WSAEMFILE", "WSAENOBUFS", "ERROR_NOT_ENOUGH_MEMORY",
                     "STATUS_INSUFFICIENT_RESOURCES" -> OUT_OF_RESOURCES;
                default -> OTHER;
            };
        }
    }

    public SystemCallException(String call, int errno, String errnoName, String errnoText) {
        super(call + ": " + errnoName + " (" + errnoText + ")");
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
        this.kind = Kind.of(errnoName);
    }

    /**
     * The portable meaning of the error. For the calls of a {@link Poller}: {@code register} of a
     * registered handle gives {@link Kind#ALREADY_REGISTERED}, {@code modify} or {@code deregister}
     * of an unknown one {@link Kind#NOT_REGISTERED}, a number that is no open handle {@link
     * Kind#BAD_HANDLE}.
     */
    public Kind kind() {
        return kind;
    }

    /** The failing call with its arguments, e.g. {@code epoll_ctl(ADD, fd=7)}. */
    public String call() {
        return call;
    }

    /** The OS error number as the OS reports it. */
    public int errno() {
        return errno;
    }

    /** The symbolic name of {@link #errno()}, e.g. {@code EEXIST}; {@code "errno N"} if unknown. */
    public String errnoName() {
        return errnoName;
    }
}
