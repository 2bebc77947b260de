package dev.rawpoll.net;

/**
 * Options a {@link TcpListener} sets on its socket before it binds. Immutable: each {@code with}
 * method returns a copy.
 *
 * @param reuseAddress SO_REUSEADDR: bind a port whose old connections are still in TIME_WAIT
 * @param reusePort SO_REUSEPORT: let several listeners (of the same user) bind the same address;
 *     the kernel spreads incoming connections over them
 * @param receiveBufferSize SO_RCVBUF in bytes, or 0 for the system default; set before listen so
 *     that accepted connections get it (and the TCP window scale that goes with it)
 * @param sendBufferSize SO_SNDBUF in bytes, or 0 for the system default
 */
public record SocketOptions(boolean reuseAddress, boolean reusePort, int receiveBufferSize, int sendBufferSize) {

    /** SO_REUSEADDR on, everything else the system default: what {@link TcpListener#bind(java.net.InetSocketAddress, int)} uses. */
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
