package dev.rawpoll.linux;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Errno;

/**
 * io_uring cannot be used on this system: {@code io_uring_setup} failed with ENOSYS (a kernel
 * before 5.1, or one built without it), EPERM (the {@code kernel.io_uring_disabled} sysctl, or a
 * seccomp filter as container runtimes install) or EACCES, or the kernel lacks a feature the
 * backend needs. The message says so and that epoll ({@link dev.rawpoll.Poller#open()}) works.
 */
final class UringUnavailableException extends SystemCallException {
    private static final String ADVICE =
            "io_uring is unavailable here (kernel too old, kernel.io_uring_disabled, or a seccomp filter); Poller.open() (epoll) works";

    private UringUnavailableException(String call, int errno) {
        super(call, errno, Errno.name(errno), Errno.description(errno));
    }

    @Override
    public String getMessage() {
        return super.getMessage() + ": " + ADVICE;
    }

    /** The exception for a failed io_uring_setup: this one where io_uring is refused, else a plain one. */
    static SystemCallException orError(String call, int errno) {
        if (errno == Uring.ENOSYS || errno == Uring.EPERM || errno == Uring.EACCES) {
            return new UringUnavailableException(call, errno);
        }
        return Uring.error(call, errno);
    }

    /** A kernel whose io_uring lacks what the backend needs; reported as ENOSYS. */
    static SystemCallException tooOld(String what) {
        return new UringUnavailableException(what, Uring.ENOSYS);
    }
}
