package dev.rawpoll.internal;

import dev.rawpoll.Poller;
import java.io.IOException;
import java.util.Locale;

/**
 * The one place that knows which OS and architecture rawpoll runs on: it picks the backend for
 * {@link Poller#open()} and decides which handle values are valid; the backends' helpers ({@link
 * Native}, {@link Errno}, the kqueue ABI) ask it. ({@code net.SocketHandle} still reads the
 * properties itself.)
 */
public final class Platform {
    /** The operating systems rawpoll tells apart. */
    public enum Os { LINUX, MACOS, FREEBSD, WINDOWS, OTHER }

    /** The running OS. */
    public static final Os OS = detect(System.getProperty("os.name", "?"));
    private static final String OS_NAME = System.getProperty("os.name", "?");
    private static final String ARCH = System.getProperty("os.arch", "?");

    private Platform() {}

    static Os detect(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) return Os.LINUX;
        if (name.startsWith("mac")) return Os.MACOS;
        if (name.startsWith("freebsd")) return Os.FREEBSD;
        if (name.startsWith("windows")) return Os.WINDOWS;
        return Os.OTHER;
    }

    /** {@link Poller#open()}: epoll on Linux, kqueue on macOS and FreeBSD, IOCP on Windows. */
    public static Poller openPoller() throws IOException {
        return switch (OS) {
            case LINUX -> {
                if (!ARCH.equals("amd64") && !ARCH.equals("x86_64")) {
                    // struct epoll_event is packed (12 bytes) only on x86-64; the bindings are generated there.
                    throw new UnsupportedOperationException("rawpoll's epoll bindings are generated for x86-64 Linux, not " + ARCH);
                }
                yield dev.rawpoll.linux.EpollPoller.open();
            }
            case MACOS, FREEBSD -> dev.rawpoll.bsd.KqueuePoller.open();
            case WINDOWS -> dev.rawpoll.windows.IocpPoller.open();
            case OTHER -> throw new UnsupportedOperationException(
                    "rawpoll has no Poller backend for " + OS_NAME + " (" + ARCH + ")");
        };
    }

    /** {@link Poller#openIoUring()}: io_uring, on x86-64 Linux only. */
    public static Poller openIoUringPoller() throws IOException {
        if (OS != Os.LINUX || !(ARCH.equals("amd64") || ARCH.equals("x86_64"))) {
            throw new UnsupportedOperationException("io_uring is Linux-only, and rawpoll's bindings are for x86-64: not "
                    + OS_NAME + " (" + ARCH + ")");
        }
        return dev.rawpoll.linux.UringPoller.open();
    }

    /**
     * What a handle is on an OS, and which values are valid: the one place that decides it for
     * every backend (libkqueue on Linux takes file descriptors as kqueue does on BSD).
     */
    public enum Handles {
        /** Unix: a file descriptor, {@code [0, Integer.MAX_VALUE]}. */
        FILE_DESCRIPTORS,
        /** Windows: a {@code SOCKET}, any non-negative value (INVALID_SOCKET is all ones). */
        SOCKETS;

        /** @throws IllegalArgumentException naming {@code handle} if it cannot be one of these */
        public void check(long handle) {
            if (this == SOCKETS ? handle < 0 : handle < 0 || handle > Integer.MAX_VALUE) {
                throw new IllegalArgumentException((this == SOCKETS ? "not a SOCKET: " : "not a file descriptor: ") + handle);
            }
        }
    }
}
