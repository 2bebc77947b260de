package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link EventLoop#execute} signals the poller only when the loop may be waiting (issue 16): a
 * pass that is past its wait takes the inbox again before it next waits, so a command handed
 * over meanwhile needs no eventfd write (and no extra wait to drain it), as Netty's awake flag
 * saves. The wakeups counted are the loop's calls of {@link Poller#wakeup()}, each of which may
 * write the eventfd.
 */
class ExecuteWakeupTest {
    private static final Duration LIMIT = Duration.ofSeconds(10); // a lost wakeup would hang

    @Test
    void aCallbackThatExecutesOnItsOwnLoopSignalsNothing() throws Exception {
        CountingPoller poller = CountingPoller.open();
        try (EventLoop loop = EventLoop.open(poller)) {
            Promise<String> done = loop.newPromise();
            loop.callSoon(() -> loop.execute(() -> done.complete("ran")));
            assertEquals("ran", assertTimeoutPreemptively(LIMIT, () -> loop.runUntilComplete(done)));
            assertEquals(0, poller.wakeups.get(), "execute from the loop's own callback");
        }
    }

    @Test
    void anotherThreadThatExecutesWhileTheLoopRunsACallbackSignalsNothing() throws Exception {
        CountingPoller poller = CountingPoller.open();
        try (EventLoop loop = EventLoop.open(poller)) {
            Promise<String> done = loop.newPromise();
            loop.callSoon(() -> {
                // the loop thread is inside its pass until the other thread has handed over
                Thread other = Thread.ofPlatform().start(() -> loop.execute(() -> done.complete("ran")));
                joinUninterruptibly(other);
            });
            assertEquals("ran", assertTimeoutPreemptively(LIMIT, () -> loop.runUntilComplete(done)));
            assertEquals(0, poller.wakeups.get(), "execute while the loop was awake");
        }
    }

    @Test
    void executeWhileTheLoopWaitsWakesIt() throws Exception {
        CountingPoller poller = CountingPoller.open();
        try (EventLoop loop = EventLoop.open(poller)) {
            CountDownLatch ran = new CountDownLatch(1);
            Thread thread = Thread.ofPlatform().start(loop::run);
            try {
                // no work, no timers: the first pass waits with no timeout; it has begun its poll
                assertTimeoutPreemptively(LIMIT, () -> {
                    while (poller.polls == 0) {
                        Thread.onSpinWait();
                    }
                });
                loop.execute(ran::countDown);
                assertEquals(true, ran.await(LIMIT.toSeconds(), TimeUnit.SECONDS), "the waiting loop ran the command");
                assertEquals(1, poller.wakeups.get(), "one signal: the loop was waiting");
            } finally {
                loop.stop();
                thread.join();
            }
        }
    }

    @Test
    void aHostLoopIsWokenForWhatWasHandedOverWhileTheDrivenPassWasAwake() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        CountingPoller inner = CountingPoller.open();
        try (Poller host = Poller.open(); EventLoop loop = EventLoop.open(inner)) {
            Events hostEvents = host.newEvents(4);
            long backend = inner.backendHandle().orElseThrow();
            host.register(backend, Interest.READABLE, 1L);
            try {
                loop.callSoon(() -> joinUninterruptibly(Thread.ofPlatform().start(
                        () -> loop.execute(() -> log.add("handed over")))));
                loop.runOnce(0, TimeUnit.NANOSECONDS); // runs the callback; the command arrives meanwhile
                assertEquals(List.of(), log);
                // a host that watches only the backend handle must see it readable now
                assertEquals(1, host.poll(hostEvents, 0, TimeUnit.MILLISECONDS), "backend handle readable after the pass");
                loop.runOnce(0, TimeUnit.NANOSECONDS);
                assertEquals(List.of("handed over"), log);
            } finally {
                host.deregister(backend);
            }
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
