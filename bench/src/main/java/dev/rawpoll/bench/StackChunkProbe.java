package dev.rawpoll.bench;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Task;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * How much stack a task's continuation copies at each switch, in steady state: N echo tasks (the
 * echo server's read / writeAll loop) are driven in turn over loopback for a few seconds, so that
 * the JIT has compiled the path, then the stack chunks of three of them are read: for each chunk
 * of the continuation (the tail first), its size and the words of frames frozen in it. A switch
 * copies the tail chunk's frames (the JDK thaws a chunk whole below 500 words, frozen ones are
 * copied back at the next yield); the frames of a parent chunk stay there until they are returned
 * into. A diagnostic, not a benchmark: it reads private fields of {@code jdk.internal.vm}.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.vm=ALL-UNNAMED --add-opens java.base/jdk.internal.vm=ALL-UNNAMED -cp bench/target/rawpoll-bench-*-all.jar dev.rawpoll.bench.StackChunkProbe [CONNECTIONS] [SECONDS]</pre>
 */
public final class StackChunkProbe {
    private StackChunkProbe() {}

    public static void main(String[] args) throws Exception {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 6;
        try (EventLoop loop = EventLoop.open();
             TcpListener listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), connections)) {
            TcpStream[] clients = new TcpStream[connections];
            TcpStream[] servers = new TcpStream[connections];
            Task<?>[] tasks = new Task<?>[connections];
            long[] echoed = new long[connections];
            for (int i = 0; i < connections; i++) {
                clients[i] = TcpStream.connect(listener.localAddress());
                TcpStream accepted;
                while ((accepted = listener.accept()) == null) {
                    Thread.onSpinWait();
                }
                while (!clients[i].finishConnect()) {
                    Thread.onSpinWait();
                }
                TcpStream server = servers[i] = accepted;
                int index = i;
                MemorySegment buffer = Arena.global().allocate(16_384);
                tasks[i] = loop.spawn(() -> {
                    for (int n; (n = AsyncSockets.read(server, buffer)) > 0; ) {
                        echoed[index] += n;
                        AsyncSockets.writeAll(server, buffer, 0, n);
                    }
                    return null;
                });
            }
            loop.runOnce(0, TimeUnit.NANOSECONDS);
            MemorySegment message = Arena.global().allocate(64);
            MemorySegment back = Arena.global().allocate(64);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long roundTrips = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < connections; i++, roundTrips++) {
                    long before = echoed[i];
                    clients[i].write(message, 0, 64);
                    do {
                        loop.runOnce(0, TimeUnit.NANOSECONDS);
                    } while (echoed[i] == before);
                    for (int got = 0; got < 64; ) {
                        int n = clients[i].read(back, got, 64 - got);
                        got += Math.max(n, 0);
                    }
                }
            }
            System.out.println(connections + " connections, " + roundTrips + " round trips");
            Field coroutine = Task.class.getDeclaredField("coroutine");
            Class<?> continuation = Class.forName("jdk.internal.vm.Continuation");
            Class<?> stackChunk = Class.forName("jdk.internal.vm.StackChunk");
            Field tail = continuation.getDeclaredField("tail");
            Field parent = stackChunk.getDeclaredField("parent");
            Field size = stackChunk.getDeclaredField("size");
            Field sp = stackChunk.getDeclaredField("sp");
            Field bottom = stackChunk.getDeclaredField("bottom");
            for (Field f : new Field[] {coroutine, tail, parent, size, sp, bottom}) {
                f.setAccessible(true);
            }
            for (int i : new int[] {0, connections / 2, connections - 1}) {
                StringBuilder line = new StringBuilder("task " + i + ", chunks from the tail:");
                for (Object c = tail.get(coroutine.get(tasks[i])); c != null; c = parent.get(c)) {
                    line.append(" [size ").append(size.getInt(c)).append(" words, frames ")
                            .append(bottom.getInt(c) - sp.getInt(c)).append(" words]");
                }
                System.out.println(line);
            }
            for (int i = 0; i < connections; i++) {
                clients[i].close();
            }
            loop.runOnce(0, TimeUnit.NANOSECONDS); // the tasks read end of stream and end
            for (int i = 0; i < connections; i++) {
                servers[i].close();
            }
        }
    }
}
