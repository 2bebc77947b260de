package dev.rawpoll.demo;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The demo's "remote service": a loopback server that answers each 32-byte request after a
 * delay. It runs on an event loop of its own, on its own thread, so that its replies leave on time
 * whatever the demo's loop thread is busy with: the I/O waits the demo draws are the server's
 * delay, not time spent queueing behind other tasks' CPU work.
 */
final class SlowServer implements AutoCloseable {
    private final TcpListener listener;
    private final EventLoop loop;
    private final Thread thread;
    private final InetSocketAddress address;

    private SlowServer(TcpListener listener, EventLoop loop, Thread thread) throws IOException {
        this.listener = listener;
        this.address = listener.localAddress();
        this.loop = loop;
        this.thread = thread;
    }

    /** Binds an ephemeral loopback port and starts serving on a new platform thread. */
    static SlowServer start(long delayMillis) throws IOException {
        TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16);
        EventLoop loop;
        try {
            loop = EventLoop.open();
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
        Thread thread = Thread.ofPlatform().name("slow-server").start(() -> {
            try {
                loop.spawn(() -> serve(listener, delayMillis));
                loop.run();
            } finally {
                loop.close(); // cancels the server's tasks: their sockets close
            }
        });
        return new SlowServer(listener, loop, thread);
    }

    InetSocketAddress address() {
        return address;
    }

    private static Object serve(TcpListener listener, long delayMillis) throws IOException {
        for (;;) {
            TcpStream client = AsyncSockets.accept(listener);
            Tasks.spawn(() -> {
                try (client) {
                    byte[] request = new byte[32];
                    AsyncSockets.readFully(client, request, 0, request.length);
                    Tasks.sleep(Duration.ofMillis(delayMillis));
                    AsyncSockets.writeAll(client, request, 0, request.length);
                }
                return null;
            });
        }
    }

    /** Stops the server's loop, waits for its thread to close it, then closes the listener. */
    @Override
    public void close() throws InterruptedException {
        try {
            loop.execute(loop::stop);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the loop ended already
        }
        thread.join();
        listener.close();
    }
}
