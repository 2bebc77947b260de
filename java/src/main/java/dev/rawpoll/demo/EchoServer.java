package dev.rawpoll.demo;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.loop.GroupServer;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.BrokenPipeException;
import dev.rawpoll.net.ConnectionResetException;
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
        try (EventLoopGroup group = reportingToStderr(EventLoopGroup.open(loops));
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
     * {@code group}, each loop of which will report to stderr ({@link #reportToStderr}) before it
     * runs anything queued later: a loop runs what {@code execute} queued in order, so the accept
     * tasks that {@code serve} queues next start with the handler in place. (Set after {@code
     * serve}, the first accept pass could run first: out of descriptors at once, its report went
     * to the default handler, the logger, which found no descriptor to read its configuration
     * and printed nothing.)
     */
    static EventLoopGroup reportingToStderr(EventLoopGroup group) {
        for (int i = 0; i < group.size(); i++) {
            EventLoop loop = group.loop(i);
            loop.execute(() -> reportToStderr(loop));
        }
        return group;
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

    /** Echoes what {@code client} sends until it closes its side (or goes away: nothing to report then). */
    static void echo(TcpStream client) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n; (n = AsyncSockets.read(client, buffer, 0, buffer.length)) > 0; ) {
                AsyncSockets.writeAll(client, buffer, 0, n);
            }
        } catch (ConnectionResetException | BrokenPipeException e) {
            // the client went away
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
