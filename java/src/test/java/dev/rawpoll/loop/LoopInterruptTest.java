package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loop's run methods and {@link Thread#interrupt()} (issue 18.3, the JDK Selector's rule):
 * an interrupted loop thread does not wait, and the run methods end after the pass instead of
 * spinning or sleeping through the interrupt.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LoopInterruptTest extends FdLeakCheck {
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
}
