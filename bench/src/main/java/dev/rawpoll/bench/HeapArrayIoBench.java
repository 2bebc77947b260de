package dev.rawpoll.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
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
 * How should {@code TcpStream.read/write(byte[], ...)} reach recv/send: hand the heap array to a
 * {@code Linker.Option.critical(true)} downcall in place, or copy it through a native buffer
 * for an ordinary (critical, native-only) downcall? Each operation sends {@code size} bytes over
 * a loopback TCP connection and receives them at the other end, in the benchmark thread.
 *
 * <p>{@link #heapInPlace} and {@link #copyThroughNative} link send/recv here, exactly as the
 * library does (errno captured); {@link #tcpStream} is the library's public byte[] path, which
 * uses the faster of the two. {@link #devZeroInPlace} and {@link #devZeroThroughNative} make the
 * same comparison for read(2) of /dev/zero, without the noise of the TCP stack.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=dev.rawpoll,ALL-UNNAMED"})
public class HeapArrayIoBench {
    private static final Linker LINKER = Linker.nativeLinker();
    /** ssize_t send/recv(int fd, void *buf, size_t len, int flags) */
    private static final FunctionDescriptor IO = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final int MSG_NOSIGNAL = 0x4000; // Linux; the library takes it from its bindings
    private static final MethodHandle SEND_HEAP;
    private static final MethodHandle RECV_HEAP;
    private static final MethodHandle SEND_NATIVE;
    private static final MethodHandle RECV_NATIVE;
    /** ssize_t read(int fd, void *buf, size_t count), on /dev/zero: the kernel fills the buffer, as recv does. */
    private static final MethodHandle READ_HEAP;
    private static final MethodHandle READ_NATIVE;
    /** int open(const char *path, int flags, ...) */
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;

    static {
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MemorySegment send = LINKER.defaultLookup().findOrThrow("send");
        MemorySegment recv = LINKER.defaultLookup().findOrThrow("recv");
        SEND_HEAP = LINKER.downcallHandle(send, IO, errno, Linker.Option.critical(true));
        RECV_HEAP = LINKER.downcallHandle(recv, IO, errno, Linker.Option.critical(true));
        SEND_NATIVE = LINKER.downcallHandle(send, IO, errno, Linker.Option.critical(false));
        RECV_NATIVE = LINKER.downcallHandle(recv, IO, errno, Linker.Option.critical(false));
        FunctionDescriptor readDescriptor = FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
        MemorySegment read = LINKER.defaultLookup().findOrThrow("read");
        READ_HEAP = LINKER.downcallHandle(read, readDescriptor, errno, Linker.Option.critical(true));
        READ_NATIVE = LINKER.downcallHandle(read, readDescriptor, errno, Linker.Option.critical(false));
        OPEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("open"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
        CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("close"), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    @Param({"64", "1024", "16384", "65536"})
    int size;

    private Arena arena;
    private MemorySegment errno;
    private MemorySegment nativeBuffer;
    private byte[] src;
    private byte[] dst;
    private TcpListener listener;
    private TcpStream client;
    private TcpStream server;
    private int clientFd;
    private int serverFd;
    private int devZero;

    @Setup
    public void setup() throws Throwable {
        arena = Arena.ofConfined();
        errno = arena.allocate(Linker.Option.captureStateLayout());
        nativeBuffer = arena.allocate(size);
        src = new byte[size];
        dst = new byte[size];
        for (int i = 0; i < size; i++) src[i] = (byte) i;
        listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        client = TcpStream.connect(listener.localAddress());
        while ((server = listener.accept()) == null) Thread.onSpinWait();
        while (!client.finishConnect()) Thread.onSpinWait();
        // Room for the largest size in one send and one recv (the kernel clamps to wmem_max/rmem_max).
        client.setSendBufferSize(1 << 20);
        server.setReceiveBufferSize(1 << 20);
        clientFd = (int) client.handle();
        serverFd = (int) server.handle();
        devZero = (int) OPEN.invokeExact(arena.allocateFrom("/dev/zero"), 0); // O_RDONLY
        if (devZero < 0) throw new IOException("cannot open /dev/zero");
    }

    @TearDown
    public void tearDown() throws Throwable {
        int unused = (int) CLOSE.invokeExact(devZero);
        client.close();
        server.close();
        listener.close();
        arena.close();
    }

    @Benchmark
    public long heapInPlace() throws Throwable {
        long sent = (long) SEND_HEAP.invokeExact(errno, clientFd, MemorySegment.ofArray(src).asSlice(0, size), (long) size, MSG_NOSIGNAL);
        long received = 0;
        while (received < sent) {
            long n = (long) RECV_HEAP.invokeExact(errno, serverFd, MemorySegment.ofArray(dst).asSlice(received), sent - received, 0);
            if (n > 0) received += n;
        }
        return received;
    }

    @Benchmark
    public long copyThroughNative() throws Throwable {
        MemorySegment.copy(src, 0, nativeBuffer, JAVA_BYTE, 0, size);
        long sent = (long) SEND_NATIVE.invokeExact(errno, clientFd, nativeBuffer, (long) size, MSG_NOSIGNAL);
        long received = 0;
        while (received < sent) {
            long n = (long) RECV_NATIVE.invokeExact(errno, serverFd, nativeBuffer.asSlice(received), sent - received, 0);
            if (n > 0) received += n;
        }
        MemorySegment.copy(nativeBuffer, JAVA_BYTE, 0, dst, 0, (int) received);
        return received;
    }

    /**
     * The same choice without TCP's loopback path (~7 us, which hides small differences): read(2)
     * of /dev/zero, where the kernel writes {@code size} bytes into the buffer and does little else.
     */
    @Benchmark
    public long devZeroInPlace() throws Throwable {
        return (long) READ_HEAP.invokeExact(errno, devZero, MemorySegment.ofArray(dst).asSlice(0, size), (long) size);
    }

    @Benchmark
    public long devZeroThroughNative() throws Throwable {
        long n = (long) READ_NATIVE.invokeExact(errno, devZero, nativeBuffer, (long) size);
        MemorySegment.copy(nativeBuffer, JAVA_BYTE, 0, dst, 0, (int) n);
        return n;
    }

    /** The library's byte[] path (heap in place), with its checks and errno handling. */
    @Benchmark
    public long tcpStream() throws IOException {
        int sent = client.write(src, 0, size);
        int received = 0;
        while (received < sent) {
            int n = server.read(dst, received, sent - received);
            if (n > 0) received += n;
        }
        return received;
    }
}
