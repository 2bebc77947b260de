package dev.rawpoll.bench;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * A cross-thread wakeup round trip: a loop thread polls with no timeout; the benchmark thread
 * wakes it and spins until the loop thread, back from the poll, acknowledges. {@link #rawpoll}
 * uses {@code Poller.wakeup()} (an eventfd write, drained by the poll), {@link
 * #nioSelectorWakeup} {@code Selector.wakeup()} and {@code select()}. Both threads need a core
 * each: on a busy 2-core machine this is noisy, compare same-run numbers only.
 *
 * <p>With {@code settleMicros} 0 the next wakeup follows the acknowledgement at once, so it often
 * reaches the loop thread before that thread is back in {@code epoll_wait}: the poll then returns
 * without sleeping, and the benchmark rewards a slow path between two polls (measured here: NIO's
 * loop thread was switched out on ~3 % of its round trips, rawpoll's, which goes back into the
 * wait sooner, on ~70 %). With {@code settleMicros} 20 the benchmark thread first spins that long,
 * outside the measured time, so that the loop thread is asleep: that is the round trip of waking a
 * blocked poller, kernel wakeup included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class WakeupBench {
    /** How long the loop thread is left to go back to sleep before each wakeup (not measured). */
    @Param({"0", "20"})
    int settleMicros;

    private Poller poller;
    private Selector selector;
    private Thread loop;
    private volatile boolean running = true;
    /** Written by the benchmark thread before each wakeup. */
    private volatile long sent;
    /** Written by the loop thread after each return from its poll. */
    private volatile long acknowledged;

    @Setup
    public void setup(BenchmarkParams params) throws IOException {
        Runnable body;
        if (params.getBenchmark().endsWith(".rawpoll")) {
            poller = Poller.open();
            Events events = poller.newEvents(16);
            body = () -> {
                try {
                    while (running) {
                        poller.poll(events, -1, TimeUnit.NANOSECONDS);
                        acknowledged = sent;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        } else {
            selector = Selector.open();
            body = () -> {
                try {
                    while (running) {
                        selector.select();
                        acknowledged = sent;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
        }
        loop = Thread.ofPlatform().name("wakeup-loop").daemon().start(body);
    }

    @Setup(Level.Invocation)
    public void settle() {
        if (settleMicros > 0) {
            long until = System.nanoTime() + settleMicros * 1_000L;
            while (System.nanoTime() - until < 0) {
                Thread.onSpinWait();
            }
        }
    }

    @TearDown
    public void tearDown() throws InterruptedException, IOException {
        running = false;
        if (poller != null) poller.wakeup();
        if (selector != null) selector.wakeup();
        loop.join();
        if (poller != null) poller.close();
        if (selector != null) selector.close();
    }

    @Benchmark
    public long rawpoll() {
        long target = sent + 1;
        sent = target;
        poller.wakeup();
        awaitAcknowledged(target);
        return target;
    }

    @Benchmark
    public long nioSelectorWakeup() {
        long target = sent + 1;
        sent = target;
        selector.wakeup();
        awaitAcknowledged(target);
        return target;
    }

    private void awaitAcknowledged(long target) {
        while (acknowledged < target) {
            if (!loop.isAlive()) {
                throw new IllegalStateException("the loop thread died");
            }
            Thread.onSpinWait();
        }
    }
}
