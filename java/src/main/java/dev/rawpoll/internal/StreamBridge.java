package dev.rawpoll.internal;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.net.TcpStream;
import java.net.InetSocketAddress;

/**
 * What the event loop's completion-based sockets need from {@code dev.rawpoll.net} that its public
 * API does not offer: a stream around a descriptor the kernel accepted, and the exception the
 * readiness path throws for an errno. Set by the net package when its socket class loads (the
 * JDK's SharedSecrets pattern); module-internal.
 */
public final class StreamBridge {
    /** The net package's side. */
    public interface Net {
        /** A stream that owns {@code fd}, already non-blocking and close-on-exec; closes {@code fd} if that fails. */
        TcpStream adoptAccepted(int fd) throws SystemCallException;

        /** {@code call: ECONNRESET (Connection reset by peer)}, as the subclass the readiness path throws. */
        SystemCallException error(String call, int errno);

        /**
         * A new non-blocking, close-on-exec socket of {@code remote}'s family, not connected, with
         * {@code remote} written in its sockaddr: for IORING_OP_CONNECT. The stream's {@code
         * finishConnect()} reports the outcome once the connect has completed.
         */
        Connecting connecting(InetSocketAddress remote) throws SystemCallException;

        /** {@code connect(127.0.0.1:1): ECONNREFUSED (Connection refused)}, as {@code TcpStream.connect} throws it. */
        SystemCallException connectError(InetSocketAddress remote, int errno);

        /**
         * Throws bind(2)'s {@code EADDRINUSE} if any socket holds {@code address}'s port (checked by
         * binding a socket without {@code SO_REUSEPORT}, then closing it); port 0 checks nothing.
         */
        void checkPortFree(InetSocketAddress address) throws SystemCallException;
    }

    /**
     * A socket to connect: its stream, and the address and length of its sockaddr, which stays
     * allocated until the stream is closed.
     */
    public record Connecting(TcpStream stream, long sockaddr, int length) {}

    private static volatile Net net;

    private StreamBridge() {}

    public static void set(Net n) {
        net = n;
    }

    /** The net package's side; set when its socket class initializes, which this does if needed. */
    public static Net net() {
        Net n = net;
        if (n == null) {
            try {
                Class.forName("dev.rawpoll.net.SocketHandle", true, StreamBridge.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("dev.rawpoll.net is missing", e);
            }
            n = net;
        }
        if (n == null) {
            throw new IllegalStateException("dev.rawpoll.net is not initialized");
        }
        return n;
    }
}
