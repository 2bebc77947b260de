package dev.rawpoll.bench.servers;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * The rawpoll echo server as the event loop's tasks are meant to be used: one task accepts, and
 * one task per connection reads into its own reused native buffer and {@link
 * AsyncSockets#writeAll writes it all} back, suspending only when a call would block. One
 * thread, TCP_NODELAY, like the other servers of the comparison.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.RawpollTaskEchoServer PORT [BIND_ADDRESS]</pre>
 *
 * Prints {@code listening on PORT} when ready; runs until killed (SIGTERM ends it, printing what
 * the loop thread allocated).
 */
public final class RawpollTaskEchoServer {
    private RawpollTaskEchoServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: RawpollTaskEchoServer PORT [BIND_ADDRESS]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        String address = args.length == 2 ? args[1] : "127.0.0.1";
        try (EventLoop loop = EventLoop.open(); TcpListener listener = TcpListener.bind(new InetSocketAddress(address, port), 4096)) {
            LoopThreadAllocation allocation = new LoopThreadAllocation();
            allocation.reportAtExit("RawpollTaskEchoServer");
            loop.spawn(() -> {
                for (;;) {
                    TcpStream client = AsyncSockets.accept(listener);
                    client.setNoDelay(true);
                    Tasks.spawn(() -> echo(client, allocation));
                }
            });
            System.out.println("listening on " + listener.localAddress().getPort());
            System.out.flush();
            loop.run();
        }
    }

    private static Object echo(TcpStream client, LoopThreadAllocation allocation) throws IOException {
        try (client; Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(RawpollCallbackEchoServer.BUFFER_BYTES);
            for (int n; (n = AsyncSockets.read(client, buffer)) > 0; ) {
                allocation.reads++;
                AsyncSockets.writeAll(client, buffer.asSlice(0, n));
            }
        } catch (IOException e) {
            // a reset from the load generator ends this connection only
        }
        return null;
    }
}
