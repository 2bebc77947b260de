package dev.rawpoll.internal;

import dev.rawpoll.SystemCallException;
import dev.rawpoll.net.TcpStream;

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
    }

    private static volatile Net net;

    private StreamBridge() {}

    public static void set(Net n) {
        net = n;
    }

    /** The net package's side; set once any socket exists. */
    public static Net net() {
        Net n = net;
        if (n == null) {
            throw new IllegalStateException("dev.rawpoll.net is not initialized");
        }
        return n;
    }
}
