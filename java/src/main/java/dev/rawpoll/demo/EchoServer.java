package dev.rawpoll.demo;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.loop.GroupServer;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code ./rawpoll echo [--port N] [--host H] [--loops N]}: an echo server, one task per
 * connection, that {@code nc} or any TCP client can talk to; on one event loop per processor by
 * default ({@link EventLoopGroup}), each connection served by one loop. Stops on Ctrl-C.
 * {@link #serve} is the same server on one given loop.
 */
public final class EchoServer {
    private EchoServer() {}

    static final String USAGE = "usage: ./rawpoll echo [--port N (0-65535, default 7007)] [--host ADDRESS (default 127.0.0.1)]"
            + " [--loops N (default: one per processor)]";

    public static void main(String[] args) throws Exception {
        InetSocketAddress address;
        int loops;
        try {
            CommandLine options = CommandLine.read("echo", USAGE, args, "--port", "--host", "--loops");
            address = new InetSocketAddress(options.host("--host", "127.0.0.1"), options.integer("--port", 7007, 0, 65535));
            loops = options.integer("--loops", Runtime.getRuntime().availableProcessors(), 1, 1024);
        } catch (CommandLine.UsageException e) {
            CommandLine.exit(e, USAGE);
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        try (EventLoopGroup group = EventLoopGroup.open(loops);
             GroupServer server = group.serve(address, 1024, EchoServer::echo)) {
            // Only once the server runs: Ctrl-C lets main close it, and waits for that.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    finished.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            InetSocketAddress bound = server.localAddress();
            System.out.println("echo server on " + CommandLine.hostPort(bound) + ", " + loops + (loops == 1 ? " loop" : " loops")
                    + (loops > 1 ? " (" + server.balancing().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")" : "")
                    + " (try: nc " + CommandLine.host(bound) + " " + bound.getPort() + "; Ctrl-C stops it)");
            stop.await();
        } catch (IOException e) {
            // Startup failures (EADDRINUSE, EACCES, EADDRNOTAVAIL): one line, no trace.
            System.err.println("rawpoll echo: " + e.getMessage());
            System.exit(1);
        } finally {
            finished.countDown();
        }
    }

    /**
     * Binds {@code address}, tells {@code ready} where it listens, and echoes every connection until
     * the loop is stopped; then closes the listener and every connection.
     */
    public static void serve(EventLoop loop, InetSocketAddress address, Consumer<InetSocketAddress> ready) throws Exception {
        Set<TcpStream> open = new HashSet<>(); // touched by the loop thread only
        try (TcpListener listener = TcpListener.bind(address, 1024)) {
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

    /** Echoes what {@code client} sends until it closes its side. */
    static void echo(TcpStream client) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = AsyncSockets.read(client, buffer, 0, buffer.length)) > 0; ) {
            AsyncSockets.writeAll(client, buffer, 0, n);
        }
    }

    private static Object echo(TcpStream client, Set<TcpStream> open) throws IOException {
        try (client) {
            echo(client);
        } finally {
            open.remove(client);
        }
        return null;
    }
}
