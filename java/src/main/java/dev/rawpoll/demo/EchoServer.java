package dev.rawpoll.demo;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.BrokenPipeException;
import dev.rawpoll.net.ConnectionResetException;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code ./rawpoll echo [--port N] [--host H]}: an echo server on the event loop, one task per
 * connection, that {@code nc} or any TCP client can talk to. Stops on Ctrl-C.
 */
public final class EchoServer {
    private EchoServer() {}

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 7007;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                default -> {
                    System.err.println("usage: ./rawpoll echo [--port N] [--host H]");
                    System.exit(2);
                }
            }
        }
        try (EventLoop loop = EventLoop.open()) {
            reportToStderr(loop);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> loop.execute(loop::stop)));
            serve(loop, new InetSocketAddress(host, port), address ->
                    System.out.println("echo server on " + address.getHostString() + ":" + address.getPort()
                            + " (try: nc " + address.getHostString() + " " + address.getPort() + "; Ctrl-C stops it)"));
        }
    }

    /** The loop's exception handler for a command-line server. */
    static void reportToStderr(EventLoop loop) {
        // To stderr, not through a logging framework: it must work when out of descriptors.
        loop.setExceptionHandler(e -> {
            System.err.println("echo: " + e);
            if (!(e instanceof IOException)) {
                e.printStackTrace();
            }
        });
    }

    /**
     * Binds {@code address}, tells {@code ready} where it listens, and echoes every connection until
     * the loop is stopped; then closes the listener and every connection.
     *
     * <p>Out of descriptors it keeps serving the connections it has: {@link AsyncSockets#accept}
     * reports the shortage once and retries with pauses, and the listener's {@link
     * TcpListener#keepReserveDescriptor() reserve descriptor} closes the connections it cannot
     * take (their clients see the connection closed at once instead of waiting).
     */
    public static void serve(EventLoop loop, InetSocketAddress address, Consumer<InetSocketAddress> ready) throws Exception {
        serve(loop, address, true, ready);
    }

    /** {@link #serve(EventLoop, InetSocketAddress, Consumer)}, with or without the reserve descriptor. */
    public static void serve(EventLoop loop, InetSocketAddress address, boolean reserveDescriptor,
            Consumer<InetSocketAddress> ready) throws Exception {
        Set<TcpStream> open = new HashSet<>(); // touched by the loop thread only
        try (TcpListener listener = TcpListener.bind(address, 1024)) {
            if (reserveDescriptor) {
                listener.keepReserveDescriptor();
            }
            ready.accept(listener.localAddress());
            loop.spawn(() -> {
                for (;;) {
                    TcpStream client = AsyncSockets.accept(listener);
                    open.add(client);
                    Tasks.spawn(() -> echo(client, open));
                }
            });
            loop.run();
        } finally {
            open.forEach(TcpStream::close);
        }
    }

    private static Object echo(TcpStream client, Set<TcpStream> open) throws IOException {
        try (client) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = AsyncSockets.read(client, buffer, 0, buffer.length)) > 0; ) {
                AsyncSockets.writeAll(client, buffer, 0, n);
            }
        } catch (ConnectionResetException | BrokenPipeException e) {
            // the client went away: nothing to report
        } finally {
            open.remove(client);
        }
        return null;
    }
}
