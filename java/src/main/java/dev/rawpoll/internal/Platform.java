package dev.rawpoll.internal;

import dev.rawpoll.Poller;
import java.io.IOException;
import java.util.Locale;

/**
 * The one place that knows which OS and architecture rawpoll runs on: it picks the backend for
 * {@link Poller#open()} and decides which handle values are valid; the backends' helpers ({@link
 * Native}, {@link Errno}, the kqueue ABI, the Linux raw classes' choice of bindings) ask it, and
 * it picks the socket calls of {@code dev.rawpoll.net} ({@link #sockets()}).
 */
public final class Platform {
    /** The operating systems rawpoll tells apart. */
    public enum Os { LINUX, MACOS, FREEBSD, WINDOWS, OTHER }

    /**
     * The processor architectures rawpoll has Linux bindings for. They differ in {@code struct
     * epoll_event} (packed, 12 bytes, on x86-64 only; 16 on aarch64): the Linux raw classes take
     * every layout and constant from the bindings generated for the running one.
     */
    public enum Arch { X86_64, AARCH64, OTHER }

    /** The running OS. */
    public static final Os OS = detect(System.getProperty("os.name", "?"));
    /** The running architecture ({@code os.arch}). */
    public static final Arch ARCH = detectArch(System.getProperty("os.arch", "?"));
    private static final String OS_NAME = System.getProperty("os.name", "?");
    private static final String ARCH_NAME = System.getProperty("os.arch", "?");

    private Platform() {}

    static Os detect(String osName) {
        String name = osName.toLowerCase(Locale.ROOT);
        if (name.startsWith("linux")) return Os.LINUX;
        if (name.startsWith("mac")) return Os.MACOS;
        if (name.startsWith("freebsd")) return Os.FREEBSD;
        if (name.startsWith("windows")) return Os.WINDOWS;
        return Os.OTHER;
    }

    /** {@code os.arch} is "amd64" on HotSpot (Linux and Windows), "x86_64" on some other JDKs, "aarch64" on ARM64. */
    static Arch detectArch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> Arch.X86_64;
            case "aarch64", "arm64" -> Arch.AARCH64;
            default -> Arch.OTHER;
        };
    }

    /**
     * Throws {@link UnsupportedOperationException} naming {@code what} unless this is Linux on an
     * architecture with bindings (x86-64, aarch64): called before any Linux binding is touched.
     */
    public static void checkLinuxBindings(String what) {
        if (OS != Os.LINUX || ARCH == Arch.OTHER) {
            throw new UnsupportedOperationException(what + " has Linux bindings for x86-64 and aarch64 only, not for "
                    + OS_NAME + " (" + ARCH_NAME + ")");
        }
    }

    /** {@link Poller#open()}: epoll on Linux (x86-64, aarch64), kqueue on macOS and FreeBSD, IOCP on Windows. */
    public static Poller openPoller() throws IOException {
        return switch (OS) {
            case LINUX -> {
                checkLinuxBindings("rawpoll's epoll backend");
                yield dev.rawpoll.linux.EpollPoller.open();
            }
            case MACOS, FREEBSD -> dev.rawpoll.bsd.KqueuePoller.open();
            case WINDOWS -> dev.rawpoll.windows.IocpPoller.open();
            case OTHER -> throw new UnsupportedOperationException(
                    "rawpoll has no Poller backend for " + OS_NAME + " (" + ARCH_NAME + ")");
        };
    }

    /** {@link Poller#openIoUring()}: io_uring, on Linux with bindings (x86-64, aarch64). */
    public static Poller openIoUringPoller() throws IOException {
        if (OS != Os.LINUX) {
            throw new UnsupportedOperationException("io_uring is Linux-only: not " + OS_NAME + " (" + ARCH_NAME + ")");
        }
        checkLinuxBindings("rawpoll's io_uring backend");
        return dev.rawpoll.linux.UringPoller.open();
    }

    /**
     * The socket calls of this OS, for {@code dev.rawpoll.net}: Linux's on Linux (x86-64, aarch64),
     * the BSD ones with macOS's or FreeBSD's constants (their structs are LP64 and the same on arm64
     * and x86-64), Winsock on Windows x64. Called once, into a {@code static final} field.
     *
     * @throws UnsupportedOperationException where rawpoll has no sockets (other Linux
     *     architectures, Windows on ARM, other systems), naming the OS and architecture
     */
    public static SocketCalls sockets() {
        return switch (OS) {
            case LINUX -> {
                checkLinuxBindings("rawpoll's TCP sockets");
                yield dev.rawpoll.linux.LinuxSockets.INSTANCE;
            }
            case MACOS -> dev.rawpoll.bsd.BsdSockets.MACOS;
            case FREEBSD -> dev.rawpoll.bsd.BsdSockets.FREEBSD;
            case WINDOWS -> {
                if (ARCH != Arch.X86_64) {
                    throw new UnsupportedOperationException("rawpoll's Winsock sockets are for Windows x64, not " + ARCH_NAME);
                }
                yield dev.rawpoll.windows.WinsockSockets.INSTANCE;
            }
            case OTHER -> throw new UnsupportedOperationException(
                    "rawpoll has no TCP sockets on " + OS_NAME + " (" + ARCH_NAME + ") yet");
        };
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
