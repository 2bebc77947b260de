package dev.rawpoll.bench;

import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.TimerHandle;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
 * The loop's timer heap (package-private {@code TimerHeap}), measured through the public API with
 * {@code heapSize} other timers pending far in the future:
 * <ul>
 *   <li>{@link #emptyPass} — {@code runOnce(0)} with no timer due: the floor (one non-blocking
 *       {@code epoll_wait}, the clock, a look at the heap's top);</li>
 *   <li>{@link #scheduleAndPop} — {@code callLater(0)} then {@code runOnce(0)}, which pops the
 *       timer and runs it: schedule + pop + run, plus the floor;</li>
 *   <li>{@link #scheduleAndCancel} — {@code callLater(1 h)} then {@code cancel()}: the timer sinks
 *       into the heap and stays there, cancelled, until a pass compacts the heap (more than half
 *       cancelled in a heap of over 100), so every 64th operation also runs a pass, whose cost is
 *       spread over the 64.</li>
 * </ul>
 * {@code TimerHandle} is one object per scheduled timer by design (it is what {@code callLater}
 * returns), so the schedule benchmarks allocate it; -prof gc shows what else they allocate.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TimerHeapBench {
    @Param({"0", "1000", "100000"})
    int heapSize;

    private EventLoop loop;
    private final List<TimerHandle> background = new ArrayList<>();
    private final Runnable callback = () -> { };
    private int operations;

    @Setup
    public void setup() throws IOException {
        loop = EventLoop.open();
        for (int i = 0; i < heapSize; i++) {
            // Spread over an hour, so that a new timer lands somewhere in the middle.
            background.add(loop.callLater(3_600_000_000_000L + i * 1_000_000L, TimeUnit.NANOSECONDS, callback));
        }
    }

    @TearDown
    public void tearDown() {
        loop.close();
    }

    @Benchmark
    public void emptyPass() {
        loop.runOnce(0, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void scheduleAndPop() {
        loop.callLater(0, TimeUnit.NANOSECONDS, callback);
        loop.runOnce(0, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public boolean scheduleAndCancel() {
        boolean cancelled = loop.callLater(1800, TimeUnit.SECONDS, callback).cancel();
        if ((++operations & 63) == 0) {
            loop.runOnce(0, TimeUnit.NANOSECONDS);
        }
        return cancelled;
    }
}
