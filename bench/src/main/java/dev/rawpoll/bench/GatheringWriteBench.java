package dev.rawpoll.bench;

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
 * Does a gathering write pay off? Sending {@code parts} native segments of {@code size} bytes
 * each over loopback TCP: one {@code TcpStream.write(MemorySegment[], ...)} (sendmsg), against
 * one send per segment, against copying them into one buffer for a single send. The receiver
 * reads everything back in the same thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=dev.rawpoll,ALL-UNNAMED"})
public class GatheringWriteBench {
    @Param({"4"})
    int parts;

    @Param({"64", "1024"})
    int size;

    private Arena arena;
    private MemorySegment[] segments;
    private MemorySegment joined;
    private MemorySegment inbox;
    private TcpListener listener;
    private TcpStream client;
    private TcpStream server;

    @Setup
    public void setup() throws IOException {
        arena = Arena.ofConfined();
        segments = new MemorySegment[parts];
        for (int i = 0; i < parts; i++) {
            segments[i] = arena.allocate(size).fill((byte) i);
        }
        joined = arena.allocate((long) parts * size);
        inbox = arena.allocate((long) parts * size);
        listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        client = TcpStream.connect(listener.localAddress());
        while ((server = listener.accept()) == null) Thread.onSpinWait();
        while (!client.finishConnect()) Thread.onSpinWait();
        client.setNoDelay(true);
    }

    @TearDown
    public void tearDown() {
        client.close();
        server.close();
        listener.close();
        arena.close();
    }

    private long receive(long expected) throws IOException {
        long received = 0;
        while (received < expected) {
            // The range form: a slice made here would be allocated on every call (docs/sockets.md).
            int n = server.read(inbox, received, inbox.byteSize() - received);
            if (n > 0) received += n;
        }
        return received;
    }

    @Benchmark
    public long sendmsgGather() throws IOException {
        return receive(client.write(segments, 0, parts));
    }

    @Benchmark
    public long sendEach() throws IOException {
        long sent = 0;
        for (MemorySegment s : segments) {
            sent += client.write(s);
        }
        return receive(sent);
    }

    @Benchmark
    public long copyThenSend() throws IOException {
        for (int i = 0; i < parts; i++) {
            MemorySegment.copy(segments[i], 0, joined, (long) i * size, size);
        }
        return receive(client.write(joined));
    }
}
