package dev.rawpoll.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.linux.bindings.epoll_event;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One non-blocking poll and a pass over the events it returned, with {@code registered} handles
 * registered of which {@code ready} are readable (level-triggered: a pipe holding one unread
 * byte), in four variants:
 * <ul>
 *   <li>{@link #rawpoll}: {@code Poller.poll(events, 0)}, then token and readiness of each event;</li>
 *   <li>{@link #rawpollForEach}: the same through {@code Events.forEach} with a handler made once;</li>
 *   <li>{@link #rawpollIoUring}: {@link #rawpoll} on {@code Poller.openIoUring()}: one {@code
 *       io_uring_enter} that re-arms the level-triggered polls that fired and collects their
 *       completions;</li>
 *   <li>{@link #epollWaitFloor}: the floor: the bare {@code epoll_wait} downcall, linked as the
 *       backend links it, and reading data and events from the array;</li>
 *   <li>{@link #ioUringEnterFloor}: io_uring's fixed cost: one bare {@code io_uring_enter} with
 *       nothing to submit and no wait, on a ring with nothing registered (what
 *       {@link #rawpollIoUring} adds on top is the re-arming and reaping of the ready polls);</li>
 *   <li>{@link #nioSelectNow}: {@code Selector.selectNow()} and the usual selected-keys loop;</li>
 *   <li>{@link #nioSelectNowConsumer}: {@code Selector.selectNow(Consumer)}.</li>
 * </ul>
 * The ready handles are pipes in every variant. The idle ones cost epoll nothing per wait (they
 * are not on its ready list), so they are what is cheapest to have many of under the 20,000
 * descriptor limit here: {@code dup}s of one pipe's read end for epoll, unbound UDP channels
 * (never readable, one descriptor each) for NIO, which cannot register one descriptor twice.
 * {@code ready} must not exceed {@code registered}; such combinations fail in setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class PollBench {
    /** Room for every ready handle in one poll; NIO's own array holds up to 1024 too. */
    static final int CAPACITY = 1024;
    static final long EVENT_SIZE = epoll_event.sizeof();
    static final long EVENTS_OFFSET = epoll_event.events$offset();
    static final long DATA_OFFSET = epoll_event.data$offset();

    @Param({"1", "1000", "10000"})
    int registered;

    @Param({"0", "1", "64"})
    int ready;

    private Arena arena;
    private MemorySegment errno;
    /** Every descriptor this state opened for the epoll variants, closed in teardown. */
    private final List<Integer> fds = new ArrayList<>();
    private final List<SelectableChannel> channels = new ArrayList<>();

    private Poller poller;
    private Events events;
    private final Events.Handler handler = this::onEvent;
    private long handled;

    private int epfd = -1;
    private int ringFd = -1;
    private MemorySegment epollEvents;

    private Selector selector;
    private final Consumer<SelectionKey> keyAction = this::onKey;
    private long selected;

    /** What a NIO selection key carries, as a token would: a reference to the caller's state. */
    static final class Attachment {
        final long token;

        Attachment(long token) {
            this.token = token;
        }
    }

    @Setup
    public void setup(BenchmarkParams params) throws IOException {
        if (ready > registered) {
            throw new IllegalArgumentException("ready (" + ready + ") > registered (" + registered + "): not a valid point");
        }
        arena = Arena.ofConfined();
        errno = Fds.errnoSegment(arena);
        String variant = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        if (variant.startsWith("rawpoll")) {
            poller = variant.equals("rawpollIoUring") ? Poller.openIoUring() : Poller.open();
            events = poller.newEvents(CAPACITY);
            int token = 0;
            for (int fd : epollFds()) {
                poller.register(fd, Interest.READABLE, token++);
            }
        } else if (variant.equals("ioUringEnterFloor")) {
            ringFd = Fds.ioUringSetup(arena, errno, 8);
            fds.add(ringFd);
        } else if (variant.startsWith("epoll")) {
            epfd = Fds.epollCreate(errno);
            fds.add(epfd);
            epollEvents = arena.allocate(EVENT_SIZE * CAPACITY, 8);
            MemorySegment event = arena.allocate(EVENT_SIZE, 8);
            for (int fd : epollFds()) {
                event.set(JAVA_INT_UNALIGNED, EVENTS_OFFSET, Fds.EPOLLIN);
                event.set(JAVA_LONG_UNALIGNED, DATA_OFFSET, fd);
                if (Fds.epollCtl(errno, epfd, Fds.EPOLL_CTL_ADD, fd, event) != 0) {
                    Fds.check(-1, "epoll_ctl(ADD)", errno);
                }
            }
        } else {
            selector = Selector.open();
            long token = 0;
            for (int i = 0; i < ready; i++) {
                Pipe pipe = Pipe.open();
                channels.add(pipe.sink());
                channels.add(pipe.source());
                pipe.sink().write(ByteBuffer.wrap(new byte[] {'x'}));
                pipe.source().configureBlocking(false);
                pipe.source().register(selector, SelectionKey.OP_READ, new Attachment(token++));
            }
            for (int i = ready; i < registered; i++) {
                DatagramChannel idle = DatagramChannel.open();
                channels.add(idle);
                idle.configureBlocking(false);
                idle.register(selector, SelectionKey.OP_READ, new Attachment(token++));
            }
        }
        verifyReadyCount(variant);
    }

    /** The read ends to register: {@code ready} pipes holding a byte, then idle dups of one empty pipe. */
    private List<Integer> epollFds() throws IOException {
        List<Integer> toRegister = new ArrayList<>();
        MemorySegment oneByte = Fds.oneByte(arena);
        for (int i = 0; i < ready; i++) {
            int[] pipe = Fds.pipe(arena, errno);
            fds.add(pipe[0]);
            fds.add(pipe[1]);
            Fds.writeByte(pipe[1], oneByte, errno);
            toRegister.add(pipe[0]);
        }
        if (registered > ready) {
            int[] idle = Fds.pipe(arena, errno);
            fds.add(idle[0]);
            fds.add(idle[1]);
            toRegister.add(idle[0]);
            for (int i = ready + 1; i < registered; i++) {
                int dup = Fds.dup(idle[0], errno);
                fds.add(dup);
                toRegister.add(dup);
            }
        }
        return toRegister;
    }

    /** A benchmark that does not see exactly {@code ready} events measures the wrong thing. */
    private void verifyReadyCount(String variant) throws IOException {
        long seen = switch (variant) {
            case "rawpoll", "rawpollForEach", "rawpollIoUring" -> poller.poll(events, 0, TimeUnit.NANOSECONDS);
            case "epollWaitFloor" -> Fds.epollWaitNow(errno, epfd, epollEvents, CAPACITY);
            case "ioUringEnterFloor" -> Fds.ioUringEnterNow(errno, ringFd) == 0 ? ready : -1; // no events: the call alone
            default -> {
                int n = selector.selectNow();
                selector.selectedKeys().clear();
                yield n;
            }
        };
        if (seen != ready) {
            throw new IllegalStateException(variant + ": " + seen + " events ready, expected " + ready);
        }
    }

    @TearDown
    public void tearDown() throws IOException {
        if (poller != null) poller.close();
        for (int fd : fds) Fds.close(fd, errno);
        fds.clear();
        if (selector != null) selector.close();
        for (SelectableChannel c : channels) c.close();
        channels.clear();
        arena.close();
    }

    @Benchmark
    public long rawpoll() throws IOException {
        int n = poller.poll(events, 0, TimeUnit.NANOSECONDS);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            int readiness = events.readiness(i);
            if (readiness != 0) {
                sum += events.token(i) ^ readiness;
            }
        }
        return sum;
    }

    @Benchmark
    public long rawpollIoUring() throws IOException {
        return rawpoll();
    }

    @Benchmark
    public long rawpollForEach() throws IOException {
        poller.poll(events, 0, TimeUnit.NANOSECONDS);
        events.forEach(handler);
        return handled;
    }

    private void onEvent(long token, int readiness) {
        handled += token ^ readiness;
    }

    @Benchmark
    public long epollWaitFloor() {
        int n = Fds.epollWaitNow(errno, epfd, epollEvents, CAPACITY);
        long sum = 0;
        for (int i = 0; i < n; i++) {
            long offset = i * EVENT_SIZE;
            sum += epollEvents.get(JAVA_LONG_UNALIGNED, offset + DATA_OFFSET)
                    ^ epollEvents.get(JAVA_INT_UNALIGNED, offset + EVENTS_OFFSET);
        }
        return sum;
    }

    @Benchmark
    public int ioUringEnterFloor() {
        return Fds.ioUringEnterNow(errno, ringFd);
    }

    @Benchmark
    public long nioSelectNow() throws IOException {
        selector.selectNow();
        long sum = 0;
        for (Iterator<SelectionKey> it = selector.selectedKeys().iterator(); it.hasNext(); ) {
            SelectionKey key = it.next();
            it.remove();
            sum += ((Attachment) key.attachment()).token ^ key.readyOps();
        }
        return sum;
    }

    @Benchmark
    public long nioSelectNowConsumer() throws IOException {
        selector.selectNow(keyAction);
        return selected;
    }

    private void onKey(SelectionKey key) {
        selected += ((Attachment) key.attachment()).token ^ key.readyOps();
    }
}
