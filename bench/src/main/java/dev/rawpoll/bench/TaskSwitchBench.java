package dev.rawpoll.bench;

import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Promise;
import dev.rawpoll.loop.Task;
import dev.rawpoll.loop.Tasks;
import java.io.IOException;
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
 * A task switch of the event loop: one pass ({@code runOnce(0)}) resumes a task that does
 * {@code Tasks.yieldNow()} in a loop, so each operation is one resume and one suspend of the
 * task's continuation, plus the pass. {@link #yieldingTask} is that; {@link #emptyPass} is the
 * same pass with the task absent (the floor: one non-blocking {@code epoll_wait} and the clock),
 * so the difference is the switch. {@code yieldNow} is {@code sleep(0)}: it schedules a zero-delay
 * timer, whose handle is one allocation per yield by design.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class TaskSwitchBench {
    private EventLoop loop;
    private EventLoop idleLoop;
    private Task<Object> task;
    private volatile boolean stop;

    @Setup
    public void setup() throws IOException {
        loop = EventLoop.open();
        idleLoop = EventLoop.open();
        task = loop.spawn(() -> {
            while (!stop) {
                Tasks.yieldNow();
            }
            return null;
        });
    }

    @TearDown
    public void tearDown() throws Exception {
        stop = true;
        Promise<Object> done = task;
        loop.runUntilComplete(done);
        loop.close();
        idleLoop.close();
    }

    @Benchmark
    public void yieldingTask() {
        loop.runOnce(0, TimeUnit.NANOSECONDS);
    }

    @Benchmark
    public void emptyPass() {
        idleLoop.runOnce(0, TimeUnit.NANOSECONDS);
    }
}
