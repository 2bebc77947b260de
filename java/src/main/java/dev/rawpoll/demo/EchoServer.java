package dev.rawpoll.demo;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code ./rawpoll echo [--port N] [--host H]}: an echo server on the event loop, one task per
 * connection, that {@code nc} or any TCP client can talk to. Stops on Ctrl-C.
 */
public final class EchoServer {
    private EchoServer() {}

    static final String USAGE = "usage: ./rawpoll echo [--port N (0-65535, default 7007)] [--host ADDRESS (default 127.0.0.1)]";

    public static void main(String[] args) throws Exception {
        InetSocketAddress address;
        try {
            CommandLine options = CommandLine.read("echo", USAGE, args, "--port", "--host");
            address = new InetSocketAddress(options.host("--host", "127.0.0.1"), options.integer("--port", 7007, 0, 65535));
        } catch (CommandLine.UsageException e) {
            CommandLine.exit(e, USAGE);
            return;
        }
        CountDownLatch finished = new CountDownLatch(1);
        try (EventLoop loop = EventLoop.open()) {
            serve(loop, address, bound -> {
                // Only once the server runs: Ctrl-C stops the loop and waits for it to close.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndWait(loop, finished)));
                String where = CommandLine.hostPort(bound);
                System.out.println("echo server on " + where + " (try: nc " + CommandLine.host(bound)
                        + " " + bound.getPort() + "; Ctrl-C stops it)");
            });
        } catch (IOException e) {
            // Startup failures (EADDRINUSE, EACCES, EADDRNOTAVAIL): one line, no trace.
            System.err.println("rawpoll echo: " + e.getMessage());
            System.exit(1);
        } finally {
            finished.countDown();
        }
    }

    private static void stopAndWait(EventLoop loop, CountDownLatch finished) {
        try {
            loop.execute(loop::stop);
            finished.await(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException e) {
            // The loop closed already (the server ended on its own): nothing to stop.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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

    private static Object echo(TcpStream client, Set<TcpStream> open) throws IOException {
        try (client) {
            byte[] buffer = new byte[16 * 1024];
            for (int n; (n = AsyncSockets.read(client, buffer, 0, buffer.length)) > 0; ) {
                AsyncSockets.writeAll(client, buffer, 0, n);
            }
        } finally {
            open.remove(client);
        }
        return null;
    }
}
