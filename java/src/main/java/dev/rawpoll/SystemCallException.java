package dev.rawpoll;

import java.io.IOException;

/**
 * A system call failed. The message names the call with its arguments, the errno's symbolic
 * name and its text, e.g. {@code epoll_ctl(ADD, fd=7): EEXIST (File exists)}.
 *
 * <p>On Windows {@link #errno()} holds the {@code GetLastError()} code or the {@code NTSTATUS}
 * and {@link #errnoName()} its symbolic name ({@code ERROR_INVALID_HANDLE}, {@code STATUS_CANCELLED}).
 */
public class SystemCallException extends IOException {
    private final String call;
    private final int errno;
    private final String errnoName;

    public SystemCallException(String call, int errno, String errnoName, String errnoText) {
        super(call + ": " + errnoName + " (" + errnoText + ")");
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
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
