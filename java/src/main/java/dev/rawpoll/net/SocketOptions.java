package dev.rawpoll.net;

/**
 * Options a {@link TcpListener} sets on its socket before it binds. Immutable: each {@code with}
 * method returns a copy.
 *
 * <p><b>Address reuse on Windows.</b> Winsock's SO_REUSEADDR is not Unix's: it lets any later
 * socket bind the same address and port, and steal the listener's connections, while TIME_WAIT
 * never blocks a bind there in the first place. So on Windows a listener never gets SO_REUSEADDR:
 * it always gets SO_EXCLUSIVEADDRUSE, which refuses every other bind of its port (WSAEADDRINUSE,
 * or WSAEACCES for a socket that asks for SO_REUSEADDR), and {@code reuseAddress} changes nothing.
 * The JDK does the same ({@code sun.net.useExclusiveBind}, on by default on Windows). Microsoft
 * documents one cost: while a connection accepted on the port by an earlier listener is still
 * open, a new exclusive listener cannot bind the port.
 *
 * @param reuseAddress SO_REUSEADDR on Unix: bind a port whose old connections are still in
 *     TIME_WAIT, so that a restarted server gets its port back at once; without it the bind
 *     fails with EADDRINUSE for a minute or so. Another listener on the same address and port
 *     is refused either way (that takes {@code reusePort}). No effect on Windows (see above)
 * @param reusePort SO_REUSEPORT: let several listeners (of the same user) bind the same address;
 *     the kernel spreads incoming connections over them. Windows has none: binding with it
 *     throws there
 * @param receiveBufferSize SO_RCVBUF in bytes, or 0 for the system default; set before listen so
 *     that accepted connections get it (and the TCP window scale that goes with it)
 * @param sendBufferSize SO_SNDBUF in bytes, or 0 for the system default
 */
public record SocketOptions(boolean reuseAddress, boolean reusePort, int receiveBufferSize, int sendBufferSize) {

    /**
     * {@code reuseAddress} on, everything else the system default: what {@link
     * TcpListener#bind(java.net.InetSocketAddress, int)} uses.
     */
    public static final SocketOptions DEFAULTS = new SocketOptions(true, false, 0, 0);

    /** @throws IllegalArgumentException if a buffer size is negative */
    public SocketOptions {
        if (receiveBufferSize < 0 || sendBufferSize < 0) {
            throw new IllegalArgumentException("buffer sizes must be 0 (system default) or positive: receive="
                    + receiveBufferSize + ", send=" + sendBufferSize);
        }
    }

    public SocketOptions withReuseAddress(boolean on) {
        return new SocketOptions(on, reusePort, receiveBufferSize, sendBufferSize);
    }

    public SocketOptions withReusePort(boolean on) {
        return new SocketOptions(reuseAddress, on, receiveBufferSize, sendBufferSize);
    }

    public SocketOptions withReceiveBufferSize(int bytes) {
        return new SocketOptions(reuseAddress, reusePort, bytes, sendBufferSize);
    }

    public SocketOptions withSendBufferSize(int bytes) {
        return new SocketOptions(reuseAddress, reusePort, receiveBufferSize, bytes);
    }
}
