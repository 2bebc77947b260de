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
 * List<InetSocketAddress> accepted = new ArrayList<>();
 * try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 128);
 *      Poller poller = Poller.open();
 *      TcpStream client = TcpStream.connect(listener.localAddress())) {
 *     poller.register(listener.handle(), Interest.READABLE, 1L);
 *     poller.poll(poller.newEvents(8), 1, TimeUnit.SECONDS);  // reports the listener readable
 *     for (TcpStream s; (s = listener.accept()) != null; ) {  // accept until none is pending
 *         accepted.add(s.remoteAddress());
 *         s.close();                                          // or serve it
 *     }
 *     poller.deregister(listener.handle());
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
    /** The errno names of {@link #isResourceShortage}, and Winsock's (WSAEMFILE, WSAENOBUFS). */
    private static final java.util.Set<String> SHORTAGES =
            java.util.Set.of("EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "WSAEMFILE", "WSAENOBUFS");
    private static final int NO_RESERVE = -1;

    private final SocketHandle socket;
    /** The spare descriptor of {@link #keepReserveDescriptor()}, or {@link #NO_RESERVE}. */
    private int reserve = NO_RESERVE;
    private boolean reserveWanted;
    /** See {@link #isShortOfResources()}. */
    private boolean shortOfResources;

    private TcpListener(SocketHandle socket) {
        this.socket = socket;
    }

    /**
     * Binds and listens on {@code address} with {@link SocketOptions#DEFAULTS}: the port can be
     * bound again at once after a restart (SO_REUSEADDR on Unix), and on Windows no other socket
     * can bind it while this listener is open (SO_EXCLUSIVEADDRUSE; see {@link SocketOptions}).
     * Port 0 picks a free ephemeral port: see {@link #localAddress()}.
     *
     * @param backlog the length of the queue of connections not yet accepted (the kernel caps it
     *     at {@code net.core.somaxconn})
     * @throws SystemCallException e.g. {@code bind(127.0.0.1:8080): EADDRINUSE (Address already in use)}
     *     ({@code WSAEADDRINUSE} on Windows)
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
            bindTo(socket, address, options);
            int fd = socket.fd();
            if (RAW.listen(socket.errno, fd, backlog) != 0) {
                throw SocketHandle.error("listen(fd=" + fd + ", backlog=" + backlog + ")", Native.errno(socket.errno));
            }
            return new TcpListener(socket);
        } catch (IOException | RuntimeException | Error e) {
            socket.close();
            throw e;
        }
    }

    private static void bindTo(SocketHandle socket, InetSocketAddress address, SocketOptions options) throws SystemCallException {
        apply(socket, options);
        int length = SocketAddresses.write(address, socket.sockaddr);
        if (RAW.bind(socket.errno, socket.fd(), socket.sockaddr, length) != 0) {
            throw SocketHandle.error("bind(" + SocketAddresses.format(address) + ")", Native.errno(socket.errno));
        }
    }

    /**
     * Binds a socket with the default options, so without {@code SO_REUSEPORT}, to {@code address}
     * (no listen(2)) and closes it. Throws bind's {@code EADDRINUSE} if any socket holds the port:
     * a {@code SO_REUSEPORT} listener of the same user too, whose port a {@code SO_REUSEPORT} bind
     * would join without an error. Port 0 checks nothing.
     */
    static void checkPortFree(InetSocketAddress address) throws SystemCallException {
        if (address.getPort() == 0) {
            return;
        }
        SocketHandle socket = SocketHandle.open(SocketAddresses.family(address));
        try {
            bindTo(socket, address, SocketOptions.DEFAULTS);
        } finally {
            socket.close();
        }
    }

    private static void apply(SocketHandle socket, SocketOptions options) throws SystemCallException {
        if (ABI.SO_EXCLUSIVEADDRUSE != -1) {
            // Windows: SO_REUSEADDR there lets any later socket bind the same port and take its
            // connections, and TIME_WAIT does not block a bind anyway; SO_EXCLUSIVEADDRUSE refuses
            // every other bind of the port, as the JDK does (sun.net.useExclusiveBind).
            socket.setIntOption(ABI.SOL_SOCKET, ABI.SO_EXCLUSIVEADDRUSE, "SO_EXCLUSIVEADDRUSE", 1);
        } else if (options.reuseAddress()) {
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
     * <p><b>Out of descriptors or memory</b> (EMFILE, ENFILE, ENOBUFS, ENOMEM: {@link
     * #isResourceShortage}) it throws, and the connection stays in the backlog, so the listener
     * stays readable: a caller that waits for readability again at once spins. Back off instead
     * (stop watching the handle, try again after a delay: what {@link
     * dev.rawpoll.loop.AsyncSockets#accept} does), and/or {@link #keepReserveDescriptor() keep a
     * reserve descriptor}, with which accept closes what is pending before it throws.
     *
     * @return the connection, or {@code null} if none is pending (EAGAIN)
     * @throws SystemCallException e.g. EMFILE when the process is out of descriptors
     * @throws IllegalStateException if closed
     */
    public TcpStream accept() throws IOException {
        TcpStream stream = RAW.hasAccept4() ? acceptWithAccept4() : acceptWithFcntl();
        if (stream != null && reserveWanted && reserve == NO_RESERVE) {
            reserve = openReserve(); // lost to a race at the last shortage: try again now
        }
        return stream;
    }

    /**
     * Whether the listener is in a resource-shortage episode: since an {@link #accept()} failed
     * with a {@link #isResourceShortage shortage}, and until an accept found nothing pending
     * (EAGAIN: the backlog is drained, the server has caught up; Linux takes the new descriptor
     * before it looks at the backlog, so out of descriptors accept fails even with nothing
     * pending, and EAGAIN means there was a descriptor to spare). For reporting a shortage once
     * per episode instead of once per attempt: report when an accept that throws one was called
     * while this was false.
     */
    public boolean isShortOfResources() {
        return shortOfResources;
    }

    /**
     * Whether {@code e} says the process or the system ran out of descriptors (EMFILE, ENFILE)
     * or the kernel out of memory (ENOBUFS, ENOMEM): a condition that passes, unlike EBADF or
     * EINVAL. (Recognised by errno name; a libc that has no names, musl, is not recognised.)
     */
    public static boolean isResourceShortage(IOException e) {
        return e instanceof SystemCallException s && SHORTAGES.contains(s.errnoName());
    }

    /**
     * Keeps one spare descriptor for this listener (libuv's {@code uv__emfile_trick}): when
     * {@link #accept()} fails with EMFILE or ENFILE, it closes the spare, accepts and at once
     * closes every pending connection (their clients see the connection closed instead of
     * waiting in the backlog), opens the spare again, and then throws the error, its message
     * saying how many it closed. The listener is then no longer readable until a new connection
     * comes. Costs one descriptor (a socket that is never bound) until {@link #close()}.
     * Idempotent. If another thread takes the freed descriptor first, the spare is opened again
     * after the next successful accept.
     *
     * @throws SystemCallException if the spare cannot be opened (EMFILE already)
     */
    public void keepReserveDescriptor() throws SystemCallException {
        socket.fd(); // IllegalStateException if closed
        if (reserve == NO_RESERVE) {
            int fd = openReserve();
            if (fd == NO_RESERVE) {
                throw SocketHandle.error("socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC) for a reserve descriptor",
                        Native.errno(socket.errno));
            }
            reserve = fd;
        }
        reserveWanted = true;
    }

    private int openReserve() {
        int fd = RAW.socket(socket.errno, ABI.AF_INET, ABI.SOCK_STREAM | ABI.SOCK_CLOEXEC, 0);
        return fd < 0 ? NO_RESERVE : fd;
    }

    /**
     * The error of a failed accept; with a reserve and EMFILE/ENFILE, first closes what is
     * pending through the reserve descriptor.
     */
    private SystemCallException acceptFailed(String call, int errno) {
        String name = RAW.errorName(errno);
        shortOfResources |= SHORTAGES.contains(name);
        if (reserve == NO_RESERVE || !(name.equals("EMFILE") || name.equals("ENFILE") || name.equals("WSAEMFILE"))) {
            return SocketHandle.error(call, errno);
        }
        int fd = socket.fd();
        RAW.close(socket.errno, reserve);
        reserve = NO_RESERVE;
        int closed = 0;
        for (;;) {
            int client = RAW.accept(socket.errno, fd, MemorySegment.NULL, MemorySegment.NULL);
            if (client >= 0) {
                RAW.close(socket.errno, client);
                closed++;
                continue;
            }
            int e = Native.errno(socket.errno);
            if (e != ABI.EINTR && e != ABI.ECONNABORTED) {
                break; // EAGAIN: all closed; EMFILE: someone took the freed descriptor
            }
        }
        reserve = openReserve();
        return SocketHandle.error(call + " [closed " + closed + " pending connection(s) through the reserve descriptor]",
                errno);
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
                shortOfResources = false;
                return null;
            }
            if (errno != ABI.EINTR && errno != ABI.ECONNABORTED) {
                throw acceptFailed("accept4(fd=" + fd + ", SOCK_NONBLOCK|SOCK_CLOEXEC)", errno);
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
                    shortOfResources = false;
                    return null;
                }
                if (e != ABI.EINTR && e != ABI.ECONNABORTED) {
                    throw acceptFailed("accept(fd=" + fd + ")", e);
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

    /**
     * Closes the socket (and the {@link #keepReserveDescriptor() reserve descriptor}); pending
     * connections not yet accepted are reset. Idempotent.
     */
    @Override
    public void close() {
        if (reserve != NO_RESERVE && !socket.isClosed()) {
            RAW.close(socket.errno, reserve);
            reserve = NO_RESERVE;
        }
        socket.close();
    }

    @Override
    public String toString() {
        return socket.isClosed() ? "TcpListener[closed]" : "TcpListener[fd=" + socket.fd() + "]";
    }
}
