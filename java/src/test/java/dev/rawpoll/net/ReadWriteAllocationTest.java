package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.TestSockets;
import dev.rawpoll.loop.EventLoop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A read or write allocates nothing in steady state, however deep below the method the JIT
 * compiles it is called. The errno capture of recv/send is sliced by FFM on every call, and that
 * slice is free only where C2 inlines the call's whole chain; from an event-loop callback the chain
 * was too deep (C2's MaxInlineLevel) and each call allocated a 40-byte segment: 78 B per echo round
 * trip (issue 11). Linux only: there the socket calls are compiled apart from their callers
 * ({@code internal.OutOfLineDowncall}); the other systems keep the inlined handles.
 *
 * <p>Measured as this thread's allocated bytes over windows of many calls after a warm-up; on a
 * loaded machine the JIT may still be compiling, so up to 5 windows run and the last must be 0.
 * Code that allocates per call fails every window.
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
@EnabledOnOs(value = OS.LINUX, disabledReason = "the out-of-line socket calls are Linux's")
class ReadWriteAllocationTest extends LoopbackTest {
    private static final int MESSAGE = 64;

    /**
     * The native-segment read and write forms (whole and range), called eight frames below the
     * loop the JIT compiles, as a callback is called. Heap segments and arrays are not covered:
     * they keep the inlined call, free only where the caller is shallow (docs/net.md).
     */
    @Test
    void readsAndWritesAllocateNothingDeepBelowTheCompiledMethod() throws IOException {
        try (Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            pair.client().setNoDelay(true);
            pair.server().setNoDelay(true);
            MemorySegment out = arena.allocate(MESSAGE);
            MemorySegment whole = arena.allocate(MESSAGE);
            MemorySegment in = arena.allocate(4 * MESSAGE);
            Deep deep = new Deep(() -> {
                try {
                    pair.client().write(out);
                    receive(pair.server(), whole, 0, MESSAGE, Form.NATIVE_WHOLE);
                    pair.server().write(whole, MESSAGE / 2, MESSAGE / 2);
                    receive(pair.client(), in, 8, MESSAGE / 2, Form.NATIVE_RANGE);
                    pair.client().write(in, 3, MESSAGE);
                    receive(pair.server(), in, MESSAGE, MESSAGE, Form.NATIVE_RANGE);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertSteadyStateAllocatesNothing(deep::run, 30_000, 5_000);
        }
    }

    /**
     * An echo driven by the event loop's fd callbacks, as the callback echo server runs it: the
     * server side reads and writes back, the client side reads the reply and sends the next one.
     */
    @Test
    void anEchoOfLoopCallbacksAllocatesNothingInSteadyState() throws IOException {
        try (EventLoop loop = EventLoop.open(); Pair pair = Pair.connect(IPV4_ANY_PORT); Arena arena = Arena.ofConfined()) {
            TcpStream client = pair.client();
            TcpStream server = pair.server();
            client.setNoDelay(true);
            server.setNoDelay(true);
            MemorySegment serverBuffer = arena.allocate(16 * 1024);
            MemorySegment message = arena.allocate(MESSAGE);
            MemorySegment reply = arena.allocate(MESSAGE);
            long[] replies = {0};
            int[] pending = {0};
            loop.addReader(server.handle(), () -> {
                try {
                    int n = server.read(serverBuffer);
                    if (n > 0) {
                        assertEquals(n, server.write(serverBuffer, 0, n), "a 64-byte echo fits the send buffer");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            loop.addReader(client.handle(), () -> {
                try {
                    int n = client.read(reply, pending[0], MESSAGE - pending[0]);
                    if (n > 0 && (pending[0] += n) == MESSAGE) {
                        pending[0] = 0;
                        replies[0]++;
                        assertEquals(MESSAGE, client.write(message));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            assertEquals(MESSAGE, client.write(message));
            Runnable rounds = () -> {
                long until = replies[0] + 1;
                while (replies[0] < until) {
                    loop.runOnce(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            };
            assertSteadyStateAllocatesNothing(rounds, 40_000, 10_000);
            loop.removeReader(server.handle());
            loop.removeReader(client.handle());
        }
    }

    private enum Form { NATIVE_WHOLE, NATIVE_RANGE }

    /** Reads until {@code length} bytes arrived at {@code dst[offset...]} (NATIVE_WHOLE: all of a segment of {@code length} bytes). */
    private static void receive(TcpStream stream, MemorySegment dst, int offset, int length, Form form) throws IOException {
        int got = 0;
        while (got < length) {
            int n = form == Form.NATIVE_WHOLE && got == 0
                    ? stream.read(dst) // the whole segment; the rest of a short read by range
                    : stream.read(dst, offset + got, length - got);
            if (n == TcpStream.WOULD_BLOCK) {
                Thread.onSpinWait(); // loopback delivers within the sender's call; rarely seen
                continue;
            }
            assertTrue(n > 0, "end of stream");
            got += n;
        }
    }

    /** Warm-up, then windows until one allocates nothing (at most 5); the last must be 0 B per round. */
    private static void assertSteadyStateAllocatesNothing(Runnable round, int warmUp, int window) {
        for (int i = 0; i < warmUp; i++) round.run();
        List<Long> perRound = new ArrayList<>();
        for (int w = 0; w < 5 && (perRound.isEmpty() || perRound.getLast() != 0); w++) {
            long before = allocatedBytes();
            for (int i = 0; i < window; i++) round.run();
            perRound.add((allocatedBytes() - before) / window);
        }
        assertEquals(0, perRound.getLast(), "bytes allocated per round, per window: " + perRound);
    }

    /** Eight frames between the caller and {@code body}: a callback's depth below the loop's pass. */
    private record Deep(Runnable body) {
        void run() { a(); }
        private void a() { b(); }
        private void b() { c(); }
        private void c() { d(); }
        private void d() { e(); }
        private void e() { f(); }
        private void f() { g(); }
        private void g() { body.run(); }
    }

    /** This thread's allocated bytes (com.sun.management, called reflectively: the module does not read jdk.management). */
    private static long allocatedBytes() {
        try {
            Object bean = java.lang.management.ManagementFactory.getThreadMXBean();
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class).invoke(bean, Thread.currentThread().threadId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
