package dev.rawpoll.bench;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One registration's life: register for reading, modify (pause: interest 0), deregister, on the
 * read end of an empty pipe.
 * <ul>
 *   <li>{@link #rawpoll}: {@code register}, {@code modify}, {@code deregister}: three epoll_ctl calls;</li>
 *   <li>{@link #rawpollIoUring}: the same on {@code Poller.openIoUring()}, then the {@code poll(0)} that
 *       consumes the completions of the removed polls (without it they would pile up in the
 *       kernel): an fcntl check in register, one {@code io_uring_enter} in deregister;</li>
 *   <li>{@link #epollCtlFloor}: the same three epoll_ctl downcalls, bare;</li>
 *   <li>{@link #nioApplied}: {@code register}, {@code interestOps(0)}, {@code cancel}, each followed
 *       by the {@code selectNow()} that makes NIO apply it to the kernel (NIO queues changes and
 *       applies them in its next select);</li>
 *   <li>{@link #nioCoalesced}: the same three changes and one {@code selectNow()}: NIO folds them
 *       together, which is the cheapest NIO can do and not the same work (the kernel may see none
 *       of them).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChurnBench {
    private Arena arena;
    private MemorySegment errno;
    private int[] pipe;
    private Poller poller;
    private Poller uring;
    private dev.rawpoll.Events uringEvents;
    private int epfd;
    private MemorySegment ctlEvent;
    private Selector selector;
    private Pipe nioPipe;

    @Setup
    public void setup() throws IOException {
        arena = Arena.ofConfined();
        errno = Fds.errnoSegment(arena);
        pipe = Fds.pipe(arena, errno);
        poller = Poller.open();
        uring = Poller.openIoUring();
        uringEvents = uring.newEvents(16);
        epfd = Fds.epollCreate(errno);
        ctlEvent = arena.allocate(PollBench.EVENT_SIZE, 8);
        selector = Selector.open();
        nioPipe = Pipe.open();
        nioPipe.source().configureBlocking(false);
    }

    @TearDown
    public void tearDown() throws IOException {
        poller.close();
        uring.close();
        Fds.close(epfd, errno);
        Fds.close(pipe[0], errno);
        Fds.close(pipe[1], errno);
        selector.close();
        nioPipe.source().close();
        nioPipe.sink().close();
        arena.close();
    }

    @Benchmark
    public void rawpoll() throws IOException {
        int fd = pipe[0];
        poller.register(fd, Interest.READABLE, 1);
        poller.modify(fd, 0, 2);
        poller.deregister(fd);
    }

    @Benchmark
    public int rawpollIoUring() throws IOException {
        int fd = pipe[0];
        uring.register(fd, Interest.READABLE, 1);
        uring.modify(fd, 0, 2);
        uring.deregister(fd);
        return uring.poll(uringEvents, 0, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public int epollCtlFloor() {
        int fd = pipe[0];
        ctlEvent.set(JAVA_INT_UNALIGNED, PollBench.EVENTS_OFFSET, Fds.EPOLLIN);
        ctlEvent.set(JAVA_LONG_UNALIGNED, PollBench.DATA_OFFSET, fd);
        int rc = Fds.epollCtl(errno, epfd, Fds.EPOLL_CTL_ADD, fd, ctlEvent);
        ctlEvent.set(JAVA_INT_UNALIGNED, PollBench.EVENTS_OFFSET, 0);
        rc |= Fds.epollCtl(errno, epfd, Fds.EPOLL_CTL_MOD, fd, ctlEvent);
        rc |= Fds.epollCtl(errno, epfd, Fds.EPOLL_CTL_DEL, fd, MemorySegment.NULL);
        return rc;
    }

    @Benchmark
    public int nioApplied() throws IOException {
        SelectionKey key = nioPipe.source().register(selector, SelectionKey.OP_READ);
        int n = selector.selectNow();
        key.interestOps(0);
        n += selector.selectNow();
        key.cancel();
        return n + selector.selectNow();
    }

    @Benchmark
    public int nioCoalesced() throws IOException {
        SelectionKey key = nioPipe.source().register(selector, SelectionKey.OP_READ);
        key.interestOps(0);
        key.cancel();
        return selector.selectNow();
    }
}
