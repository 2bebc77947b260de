package dev.rawpoll.bench.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The NIO baseline of the echo benchmarks, written as a careful NIO user would: one thread, one
 * {@link Selector}, {@code select(Consumer)} (no selected-key set to iterate and clear), one
 * shared direct buffer for reads, and a per-connection buffer only for what a write could not
 * take, during which the connection waits for OP_WRITE and reads nothing. The same design as the C
 * server in {@code native/c/echo_server.c}.
 *
 * <p>{@code --loops N} (N > 1): N selector threads, each with its own selector and its own
 * listener on the same port ({@code SO_REUSEPORT}, so the kernel spreads the connections and no
 * thread hands a channel to another), each running this same loop: the layout of the rawpoll
 * servers' {@code --loops}.
 *
 * <pre>java -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.NioEchoServer PORT [BIND_ADDRESS] [--loops N]</pre>
 *
 * Prints {@code listening on PORT} when ready; runs until killed (SIGTERM ends it normally).
 */
public final class NioEchoServer {
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private final Selector selector;

    private NioEchoServer(Selector selector) {
        this.selector = selector;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        ServerArgs a = ServerArgs.parse("NioEchoServer", args, true, false);
        IoThreads.answerOnStdin();
        if (a.loops() == 1) {
            try (Selector selector = Selector.open(); ServerSocketChannel server = listen(a.address(), false)) {
                System.out.println("listening on " + ((InetSocketAddress) server.getLocalAddress()).getPort());
                System.out.flush();
                serve(selector, server);
            }
            return;
        }
        ServerSocketChannel first = listen(a.address(), true);
        int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
        InetSocketAddress same = new InetSocketAddress(a.address().getAddress(), port);
        ServerSocketChannel[] listeners = new ServerSocketChannel[a.loops()];
        listeners[0] = first;
        for (int i = 1; i < listeners.length; i++) {
            listeners[i] = listen(same, true);
        }
        Thread[] threads = new Thread[listeners.length];
        for (int i = 0; i < listeners.length; i++) {
            ServerSocketChannel listener = listeners[i];
            threads[i] = Thread.ofPlatform().name("nio-selector-" + (i + 1)).start(() -> {
                try (Selector selector = Selector.open(); listener) {
                    serve(selector, listener);
                } catch (IOException e) {
                    System.err.println("NioEchoServer: " + e);
                    System.exit(1);
                }
            });
        }
        System.out.println("listening on " + port);
        System.out.flush();
        for (Thread t : threads) t.join();
    }

    private static ServerSocketChannel listen(InetSocketAddress address, boolean reusePort) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            if (reusePort) server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            server.bind(address, 4096);
            server.configureBlocking(false);
            return server;
        } catch (IOException e) {
            server.close();
            throw e;
        }
    }

    /** This thread's selector loop on {@code server}; runs until the process ends. */
    private static void serve(Selector selector, ServerSocketChannel server) throws IOException {
        IoThreads.register();
        server.register(selector, SelectionKey.OP_ACCEPT);
        NioEchoServer echo = new NioEchoServer(selector);
        for (;;) {
            selector.select(echo::handle);
        }
    }

    private void handle(SelectionKey key) {
        try {
            if (key.isAcceptable()) {
                accept((ServerSocketChannel) key.channel());
            } else if (key.isWritable()) {
                flushPending(key);
            } else if (key.isReadable()) {
                echo(key);
            }
        } catch (IOException e) {
            close(key); // typically a reset from the load generator
        }
    }

    private void accept(ServerSocketChannel server) throws IOException {
        SocketChannel channel;
        while ((channel = server.accept()) != null) {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.register(selector, SelectionKey.OP_READ);
        }
    }

    private void echo(SelectionKey key) throws IOException {
        SocketChannel channel = (SocketChannel) key.channel();
        buffer.clear();
        if (channel.read(buffer) < 0) {
            close(key);
            return;
        }
        buffer.flip();
        channel.write(buffer);
        if (buffer.hasRemaining()) {
            ByteBuffer pending = ByteBuffer.allocate(buffer.remaining());
            pending.put(buffer).flip();
            key.attach(pending);
            key.interestOps(SelectionKey.OP_WRITE);
        }
    }

    private static void flushPending(SelectionKey key) throws IOException {
        ByteBuffer pending = (ByteBuffer) key.attachment();
        ((SocketChannel) key.channel()).write(pending);
        if (!pending.hasRemaining()) {
            key.attach(null);
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static void close(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a reset connection: nothing left to do
        }
    }
}
