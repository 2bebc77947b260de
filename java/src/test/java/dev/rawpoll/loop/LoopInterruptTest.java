package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The loop's run methods and {@link Thread#interrupt()} (issue 18.3, the JDK Selector's rule):
 * an interrupted loop thread does not wait, and the run methods end after the pass instead of
 * spinning or sleeping through the interrupt.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class LoopInterruptTest {
    private CountingPoller poller;
    private EventLoop loop;

    @BeforeEach
    void open() throws IOException {
        poller = CountingPoller.open();
        loop = EventLoop.open(poller);
    }

    @AfterEach
    void close() {
        Thread.interrupted();
        loop.close();
    }

    @Test
    void runOnAnInterruptedThreadReturnsAfterOnePassKeepingTheStatus() {
        int[] ran = {0};
        loop.callSoon(() -> ran[0]++);
        Thread.currentThread().interrupt();
        loop.run(); // nothing would ever stop it otherwise: no timer, no I/O, no stop()
        assertTrue(Thread.currentThread().isInterrupted(), "the status is kept");
        assertEquals(1, ran[0], "the pass ran what was ready");
        assertEquals(1, poller.polls, "one pass, no spinning");
    }

    @Test
    void runOnceWithALongTimeoutDoesNotWaitWhenInterrupted() {
        Thread.currentThread().interrupt();
        loop.runOnce(1, TimeUnit.HOURS);
        assertTrue(Thread.currentThread().isInterrupted());
    }

    @Test
    void runUntilCompleteThrowsInterruptedAndTheLoopGoesOnAfterwards() throws Exception {
        Promise<String> promise = loop.newPromise();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> loop.runUntilComplete(promise));
        assertFalse(Thread.currentThread().isInterrupted(), "cleared, as by every method that throws it");
        assertFalse(promise.isDone());
        assertFalse(loop.isRunning());
        loop.callLater(1, TimeUnit.MILLISECONDS, () -> promise.complete("done"));
        assertEquals("done", loop.runUntilComplete(promise));
    }

    /** Needs the poller's interrupt rule: a blocked poll ends on Thread.interrupt(). */
    @Test
    void interruptingALoopThreadBlockedInRunEndsRunWithTheStatusKept() throws Exception {
        boolean[] interruptedAfter = {false};
        Thread runner = new Thread(() -> {
            loop.run(); // nothing to do: blocks in the poller until interrupted
            interruptedAfter[0] = Thread.currentThread().isInterrupted();
        });
        runner.start();
        while (!loop.isRunning()) {
            Thread.sleep(1);
        }
        Thread.sleep(50); // most likely inside the blocked poll by now; before it works the same
        runner.interrupt();
        runner.join(10_000);
        assertFalse(runner.isAlive(), "run() ended");
        assertTrue(interruptedAfter[0], "with the interrupt status kept");
    }

    @Test
    void interruptingALoopThreadBlockedInRunUntilCompleteThrowsInterrupted() throws Exception {
        Promise<String> never = loop.newPromise();
        Throwable[] thrown = {null};
        Thread runner = new Thread(() -> {
            try {
                loop.runUntilComplete(never);
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        runner.start();
        while (!loop.isRunning()) {
            Thread.sleep(1);
        }
        Thread.sleep(50);
        runner.interrupt();
        runner.join(10_000);
        assertFalse(runner.isAlive(), "runUntilComplete ended");
        assertTrue(thrown[0] instanceof InterruptedException, String.valueOf(thrown[0]));
        assertFalse(never.isDone());
    }
}
