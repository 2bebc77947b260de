package dev.rawpoll.net;

import static dev.rawpoll.net.SocketHandle.ABI;
import static dev.rawpoll.net.SocketHandle.RAW;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.internal.Native;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A listening TCP socket (IPv4 or IPv6), non-blocking and close-on-exec, made with socket(2),
 * bind(2) and listen(2) through the FFM API.
 *
 * <pre>{@code
 * try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128)) {
 *     poller.register(listener.handle(), Interest.READABLE, LISTENER);
 *     ...                                      // when the poller reports LISTENER readable:
 *     for (TcpStream s; (s = listener.accept()) != null; ) { ... }
 * }
 * }</pre>
 *
 * <p>{@link #accept()} never blocks: it returns {@code null} when no connection is pending
 * (EAGAIN), so it is called when a {@link dev.rawpoll.Poller} reports the {@link #handle()}
 * readable.
 *
 * <p>A listener bound to the IPv6 wildcard {@code [::]} is dual-stack (unless the system sets
 * {@code net.ipv6.bindv6only}): it accepts IPv4 clients too, and their streams report IPv4
 * addresses ({@link java.net.Inet4Address}) for both ends, not the IPv4-mapped {@code
 * ::ffff:a.b.c.d} the kernel gives, as java.nio does.
 *
 * <p>A listener is used by one thread at a time; {@link #close()} must not run while
 * another thread is in {@link #accept()}.
 */
public final class TcpListener implements AutoCloseable {
    private final SocketHandle socket;

    private TcpListener(SocketHandle socket) {
        this.socket = socket;
    }

    /**
     * Binds and listens on {@code address} with SO_REUSEADDR on ({@link SocketOptions#DEFAULTS}).
     * Port 0 picks a free ephemeral port: see {@link #localAddress()}.
     *
     * @param backlog the length of the queue of connections not yet accepted (the kernel caps it
     *     at {@code net.core.somaxconn})
     * @throws SystemCallException e.g. {@code bind(127.0.0.1:8080): EADDRINUSE (Address already in use)}
     * @throws IllegalArgumentException if the address is unresolved or {@code backlog < 1}
     */
    public static TcpListener bind(InetSocketAddress address, int backlog) throws IOException {
        return bind(address, backlog, SocketOptions.DEFAULTS);
    }

    /** Like {@link #bind(InetSocketAddress, int)} with {@code options} set before bind(2). */
    public static TcpListener bind(InetSocketAddress address, int backlog, SocketOptions options) throws IOException {
        SocketHandle.checkPlatform();
        int family = SocketAddresses.family(address);
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive: " + backlog);
        }
        if (options == null) {
            throw new IllegalArgumentException("options is null");
        }
        SocketHandle socket = SocketHandle.open(family);
        try {
            apply(socket, options);
            int fd = socket.fd();
            int length = SocketAddresses.write(address, socket.sockaddr);
            if (RAW.bind(socket.errno, fd, socket.sockaddr, length) != 0) {
                throw SocketHandle.error("bind(" + SocketAddresses.format(address) + ")", Native.errno(socket.errno));
            }
            if (RAW.listen(socket.errno, fd, backlog) != 0) {
                throw SocketHandle.error("listen(fd=" + fd + ", backlog=" + backlog + ")", Native.errno(socket.errno));
            }
            return new TcpListener(socket);
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    private static void apply(SocketHandle socket, SocketOptions options) throws SystemCallException {
        if (options.reuseAddress()) {
            socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEADDR, "SO_REUSEADDR", 1);
        }
        if (options.reusePort()) {
            socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_REUSEPORT, "SO_REUSEPORT", 1);
        }
        if (options.receiveBufferSize() > 0) {
            socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_RCVBUF, "SO_RCVBUF", options.receiveBufferSize());
        }
        if (options.sendBufferSize() > 0) {
            socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_SNDBUF, "SO_SNDBUF", options.sendBufferSize());
        }
    }

    /**
     * Accepts one pending connection, as a non-blocking, close-on-exec {@link TcpStream}
     * (accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC on Linux and FreeBSD; accept(2) then fcntl(2) on
     * macOS and on a libc without accept4; then SO_NOSIGPIPE on macOS). A connection aborted by
     * its client before it was accepted is skipped.
     *
     * @return the connection, or {@code null} if none is pending (EAGAIN)
     * @throws SystemCallException e.g. EMFILE when the process is out of descriptors
     * @throws IllegalStateException if closed
     */
    public TcpStream accept() throws IOException {
        return RAW.hasAccept4() ? acceptWithAccept4() : acceptWithFcntl();
    }

    private TcpStream acceptWithAccept4() throws SystemCallException {
        int fd = socket.fd();
        while (true) {
            int client = RAW.accept4(socket.errno, fd, MemorySegment.NULL, MemorySegment.NULL,
                    ABI.SOCK_NONBLOCK | ABI.SOCK_CLOEXEC);
            if (client >= 0) {
                return TcpStream.accepted(SocketHandle.adopt(client));
            }
            int errno = Native.errno(socket.errno);
            if (errno == ABI.EAGAIN) {
                return null;
            }
            if (errno != ABI.EINTR && errno != ABI.ECONNABORTED) {
                throw SocketHandle.error("accept4(fd=" + fd + ", SOCK_NONBLOCK|SOCK_CLOEXEC)", errno);
            }
        }
    }

    /**
     * accept(2), then close-on-exec and non-blocking through fcntl(2): where accept4 is missing.
     * Package-private so that the tests cover it on Linux too. A fork between the two calls
     * could inherit the descriptor; accept4 has no such window.
     */
    TcpStream acceptWithFcntl() throws SystemCallException {
        int fd = socket.fd();
        MemorySegment errno = socket.errno;
        while (true) {
            int client = RAW.accept(errno, fd, MemorySegment.NULL, MemorySegment.NULL);
            if (client < 0) {
                int e = Native.errno(errno);
                if (e == ABI.EAGAIN) {
                    return null;
                }
                if (e != ABI.EINTR && e != ABI.ECONNABORTED) {
                    throw SocketHandle.error("accept(fd=" + fd + ")", e);
                }
                continue;
            }
            SocketHandle accepted = SocketHandle.adopt(client);
            try {
                accepted.makeNonBlockingAndCloseOnExec();
            } catch (SystemCallException | RuntimeException | Error e) {
                accepted.close();
                throw e;
            }
            return TcpStream.accepted(accepted);
        }
    }

    /** The bound address, with the port the kernel chose if bound to port 0. */
    public InetSocketAddress localAddress() throws IOException {
        return socket.localAddress();
    }

    /** The file descriptor, for {@link dev.rawpoll.Poller#register}. */
    public long handle() {
        return socket.fd();
    }

    /** Whether {@link #close()} has not been called yet. */
    public boolean isOpen() {
        return !socket.isClosed();
    }

    /** Closes the socket; pending connections not yet accepted are reset. Idempotent. */
    @Override
    public void close() {
        socket.close();
    }

    @Override
    public String toString() {
        return socket.isClosed() ? "TcpListener[closed]" : "TcpListener[fd=" + socket.fd() + "]";
    }
}
