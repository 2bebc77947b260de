package dev.rawpoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A signal interrupts the wait of a Unix poller (EINTR, never restarted by the kernel for epoll_wait
 * and kevent); the poll resumes for the time left instead of returning early or failing. A
 * backend's test class on Unix implements this to run the test. HotSpot handles SIGPIPE itself
 * (and ignores it), so sending it to the polling thread interrupts the wait without other effects.
 */
public interface SignalsDuringAWait {

    /** The poller under test, open. */
    Poller pollerUnderTest();

    /** How many waits of {@link #pollerUnderTest()} a signal interrupted and were resumed. */
    long interruptedWaits();

    @Test
    default void signalsDoNotEndAWaitEarly() throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        MethodHandle pthreadSelf = linker.downcallHandle(libc.find("pthread_self").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG));
        MethodHandle pthreadKill = linker.downcallHandle(libc.find("pthread_kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int sigpipe = 13; // the same number on Linux, macOS and FreeBSD
        Poller poller = pollerUnderTest();
        Events events = poller.newEvents(4);
        AtomicLong thread = new AtomicLong();
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                thread.set((long) pthreadSelf.invokeExact());
                long start = System.nanoTime();
                int n = poller.poll(events, 400, TimeUnit.MILLISECONDS);
                result.set(new long[] {n, System.nanoTime() - start});
            } catch (Throwable e) {
                result.set(e);
            }
        });
        while (thread.get() == 0) Thread.onSpinWait();
        for (int i = 0; i < 5 && t.isAlive(); i++) {
            Thread.sleep(40);
            if (t.isAlive()) {
                assertEquals(0, (int) pthreadKill.invokeExact(thread.get(), sigpipe));
            }
        }
        t.join();
        assertTrue(result.get() instanceof long[], () -> "poll failed: " + result.get());
        long[] r = (long[]) result.get();
        assertEquals(0, r[0]);
        assertTrue(r[1] >= TimeUnit.MILLISECONDS.toNanos(400), "returned early: " + r[1] + " ns");
        assertTrue(interruptedWaits() > 0, "no signal interrupted the wait: the test proved nothing");
    }
}
