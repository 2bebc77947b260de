package dev.rawpoll.bench.servers;

import dev.rawpoll.Poller;
import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.Balancing;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.EventLoopGroup;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The rawpoll echo server as the event loop's tasks are meant to be used: one task accepts, and
 * one task per connection reads into its own native buffer (from a pool of global-arena buffers)
 * and {@link
 * AsyncSockets#writeAll writes it all} back, suspending only when a call would block. One
 * thread, TCP_NODELAY, like the other servers of the comparison.
 *
 * <p>{@code --loops N} (N > 1) serves on an {@link EventLoopGroup} of N loops through {@link
 * EventLoopGroup#serve} with {@link Balancing#REUSEPORT} (one listener per loop, the kernel
 * spreads the connections; {@code --hand-off}: {@link Balancing#HAND_OFF}), the same
 * per-connection task on each. {@code --io-uring} runs the one
 * loop on {@link Poller#openIoUring()}: readiness through io_uring, the tasks' calls unchanged
 * (completion-based sockets for tasks are not built yet).
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.servers.RawpollTaskEchoServer PORT [BIND_ADDRESS] [--loops N [--hand-off] | --io-uring]</pre>
 *
 * Prints {@code listening on PORT} when ready; runs until killed (SIGTERM ends it, printing what
 * each loop thread allocated).
 */
public final class RawpollTaskEchoServer {
    private RawpollTaskEchoServer() {}

    public static void main(String[] args) throws Exception {
        ServerArgs a = ServerArgs.parse("RawpollTaskEchoServer", args, true, true, true);
        IoThreads.answerOnStdin();
        if (a.loops() > 1 && a.ioUring()) {
            System.err.println("RawpollTaskEchoServer: --loops and --io-uring together are not supported");
            System.exit(2);
        }
        if (a.loops() > 1) {
            // Per loop thread: its allocation report, made when it is given its first connection.
            ThreadLocal<LoopThreadAllocation> allocations = ThreadLocal.withInitial(() -> {
                LoopThreadAllocation allocation = new LoopThreadAllocation();
                allocation.reportAtExit("RawpollTaskEchoServer " + Thread.currentThread().getName());
                return allocation;
            });
            // Not closed: the loop threads (not daemons) keep the JVM up until it is killed.
            EventLoopGroup group = EventLoopGroup.open(a.loops());
            CompletableFuture<?>[] registered = new CompletableFuture<?>[group.size()];
            for (int i = 0; i < group.size(); i++) {
                registered[i] = group.spawn(group.loop(i), () -> {
                    IoThreads.register();
                    return null;
                });
            }
            CompletableFuture.allOf(registered).join();
            var server = group.serve(a.address(), 4096, a.handOff() ? Balancing.HAND_OFF : Balancing.REUSEPORT, client -> {
                client.setNoDelay(true);
                echo(client, allocations.get()); // the group server closes the stream afterwards
            });
            System.out.println("listening on " + server.localAddress().getPort());
            System.out.flush();
            return;
        }
        try (EventLoop loop = a.ioUring() ? EventLoop.open(Poller.openIoUring()) : EventLoop.open();
             TcpListener listener = TcpListener.bind(a.address(), 4096)) {
            LoopThreadAllocation allocation = new LoopThreadAllocation();
            allocation.reportAtExit("RawpollTaskEchoServer");
            IoThreads.register();
            loop.spawn(() -> {
                for (;;) {
                    TcpStream client = AsyncSockets.accept(listener);
                    client.setNoDelay(true);
                    Tasks.spawn(() -> {
                        try (client) {
                            echo(client, allocation);
                        }
                        return null;
                    });
                }
            });
            System.out.println("listening on " + listener.localAddress().getPort());
            System.out.flush();
            loop.run();
        }
    }

    /**
     * Per loop thread, the buffers of connections that ended, for the next ones. From the global
     * arena: FFM checks a confined arena's session on every downcall that takes one of its
     * segments (its owner thread and state, on a cache line of each connection's own), which
     * showed in the profile of the version with one confined arena per task; a global segment
     * costs the downcall nothing. The pool keeps as many buffers as connections were ever open
     * at once on that thread.
     */
    private static final ThreadLocal<ArrayDeque<MemorySegment>> FREE_BUFFERS = ThreadLocal.withInitial(ArrayDeque::new);

    /** Echoes until the peer ends the stream (or resets it); does not close {@code client}. */
    private static void echo(TcpStream client, LoopThreadAllocation allocation) {
        allocation.connections++;
        ArrayDeque<MemorySegment> free = FREE_BUFFERS.get();
        MemorySegment buffer = free.isEmpty() ? Arena.global().allocate(RawpollCallbackEchoServer.BUFFER_BYTES) : free.pop();
        try {
            // The task owns buffer until it ends: it may suspend in writeAll with bytes in it.
            for (int n; (n = AsyncSockets.read(client, buffer)) > 0; ) {
                allocation.reads++;
                AsyncSockets.writeAll(client, buffer, 0, n);
            }
        } catch (IOException e) {
            // a reset from the load generator ends this connection only
        } finally {
            free.push(buffer);
        }
    }
}
