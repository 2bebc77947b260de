package dev.rawpoll.bench;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A task's wait and wake on a socket, next to the same readiness handled by a callback: each
 * operation sends 64 bytes on the next of {@code sockets} loopback connections (in turn, so at
 * 1,000 each connection's state is as cold as in the echo server at 1,000 connections) and runs
 * passes until the receiving end has read them. With {@code kind=task} a task per connection
 * reads with {@link AsyncSockets#read} (it wakes, reads, reads again, finds the socket drained and
 * waits: one resume and one suspend of its continuation per operation); with {@code
 * kind=callback} a reader callback per connection reads once. Both pay the same send, {@code
 * epoll_wait} and recv; the difference is the task machinery. Same-run ratios only: the system
 * calls dominate and the machine is shared. {@code -prof gc} shows what a wait and wake allocate
 * (0 B/op in steady state).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED"})
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
public class TaskWaitBench {
    @Param({"1", "1000"})
    int sockets;

    @Param({"task", "callback"})
    String kind;

    private EventLoop loop;
    private TcpListener listener;
    private TcpStream[] senders;
    private TcpStream[] receivers;
    /** Bytes each receiver has read. */
    private long[] received;
    private final MemorySegment message = Arena.global().allocate(64);
    private int next;

    @Setup
    public void setup() throws IOException {
        loop = EventLoop.open();
        listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), sockets);
        senders = new TcpStream[sockets];
        receivers = new TcpStream[sockets];
        received = new long[sockets];
        for (int i = 0; i < sockets; i++) {
            senders[i] = TcpStream.connect(listener.localAddress());
            TcpStream pending;
            while ((pending = listener.accept()) == null) {
                Thread.onSpinWait();
            }
            TcpStream accepted = pending;
            while (!senders[i].finishConnect()) {
                Thread.onSpinWait();
            }
            senders[i].setNoDelay(true);
            receivers[i] = accepted;
            int index = i;
            MemorySegment buffer = Arena.global().allocate(16_384);
            if (kind.equals("task")) {
                loop.spawn(() -> {
                    for (int n; (n = AsyncSockets.read(accepted, buffer)) > 0; ) {
                        received[index] += n;
                    }
                    return null;
                });
            } else {
                loop.addReader(accepted.handle(), () -> {
                    try {
                        int n = accepted.read(buffer);
                        if (n > 0) {
                            received[index] += n;
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
        loop.runOnce(0, TimeUnit.NANOSECONDS); // the tasks start and wait
    }

    @TearDown
    public void tearDown() {
        for (int i = 0; i < sockets; i++) {
            senders[i].close();
        }
        loop.runOnce(0, TimeUnit.NANOSECONDS); // the tasks see end of stream and end
        for (int i = 0; i < sockets; i++) {
            receivers[i].close();
        }
        loop.close();
        listener.close();
    }

    @Benchmark
    public long sendAndWake() throws IOException {
        int i = next;
        next = i + 1 == sockets ? 0 : i + 1;
        long before = received[i];
        if (senders[i].write(message, 0, 64) != 64) {
            throw new IllegalStateException("short write");
        }
        do {
            loop.runOnce(0, TimeUnit.NANOSECONDS);
        } while (received[i] == before);
        return received[i];
    }
}
