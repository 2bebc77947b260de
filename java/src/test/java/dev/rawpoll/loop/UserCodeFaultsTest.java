package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever user code the loop runs throws (issue 12.3), it reaches the exception handler and
 * never stops, skips or loses the rest; a VirtualMachineError leaves the pass with the loop
 * consistent. And a task failure nothing observes is reported (12.2). Pipes and socket pairs come
 * from {@link LoopPipes}: loopback TCP connections on Windows.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class UserCodeFaultsTest {
    private EventLoop loop;
    private final List<Throwable> reported = new ArrayList<>();

    @BeforeEach
    void openLoop() throws IOException {
        loop = EventLoop.open();
        loop.setExceptionHandler(reported::add);
    }

    @AfterEach
    void closeLoop() {
        loop.close();
    }

    /** Every kind of Throwable user code can throw, checked ones sneakily as javac cannot see them. */
    static Stream<Arguments> throwables() {
        return Stream.of(
                Arguments.of("AssertionError", (Supplier<Throwable>) () -> new AssertionError("assert")),
                Arguments.of("checked IOException", (Supplier<Throwable>) () -> new IOException("checked")),
                Arguments.of("plain Throwable", (Supplier<Throwable>) () -> new Throwable("plain")),
                Arguments.of("LinkageError", (Supplier<Throwable>) () -> new NoClassDefFoundError("linkage")),
                Arguments.of("RuntimeException", (Supplier<Throwable>) () -> new IllegalStateException("runtime")));
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /** The input: the second of three done-callbacks throws; the third and the awaiter still run. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("throwables")
    void aThrowingDoneCallbackSkipsNeitherTheOthersNorTheAwaitingTask(String kind, Supplier<Throwable> make) throws Exception {
        Throwable thrown = make.get();
        Promise<String> promise = loop.newPromise();
        List<String> ran = new ArrayList<>();
        promise.onDone(p -> ran.add("first"));
        promise.onDone(p -> { throw sneaky(thrown); });
        promise.onDone(p -> ran.add("third"));
        Task<String> awaiter = loop.spawn(() -> "woke with " + Tasks.await(promise));
        loop.callLater(5, TimeUnit.MILLISECONDS, () -> promise.complete("value"));
        loop.callLater(5, TimeUnit.SECONDS, loop::stop); // without the fix: ends the wait, not the test run

        assertEquals("woke with value", loop.runUntilComplete(awaiter));
        assertEquals(List.of("first", "third"), ran);
        assertEquals(List.of(thrown), reported);
    }

    /** Each place the loop runs user code: what it throws is reported, and the rest of the pass and run() go on. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("throwables")
    void whateverACallbackThrowsIsReportedAndTheLoopGoesOn(String kind, Supplier<Throwable> make) throws Exception {
        int[] pipe = LoopPipes.open();
        try {
            List<Throwable> thrown = new ArrayList<>();
            Supplier<RuntimeException> fail = () -> {
                Throwable t = make.get();
                thrown.add(t);
                return sneaky(t);
            };
            List<String> ran = new ArrayList<>();
            loop.callSoon(() -> { throw fail.get(); });
            loop.callSoon(() -> ran.add("after callSoon"));
            loop.execute(() -> { throw fail.get(); });
            loop.execute(() -> ran.add("after execute"));
            loop.callLater(1, TimeUnit.MILLISECONDS, () -> { throw fail.get(); });
            loop.callLater(1, TimeUnit.MILLISECONDS, () -> ran.add("after timer"));
            LoopPipes.write(pipe[1], new byte[] {1});
            loop.addReader(pipe[0], () -> {
                loop.removeReader(pipe[0]);
                throw fail.get();
            });
            loop.addWriter(pipe[1], () -> {
                loop.removeWriter(pipe[1]);
                ran.add("writer");
            });
            Promise<String> done = loop.newPromise();
            done.onDone(p -> { throw fail.get(); });
            done.onDone(p -> ran.add("after done-callback"));
            loop.callSoon(() -> done.complete("x"));
            loop.callLater(30, TimeUnit.MILLISECONDS, () -> ran.add("later pass"));
            loop.callLater(40, TimeUnit.MILLISECONDS, loop::stop);

            loop.run(); // without the fix a checked exception or a plain Throwable ends it here

            assertEquals(java.util.Set.of("after callSoon", "after execute", "writer", "after done-callback",
                    "after timer", "later pass"), new java.util.HashSet<>(ran));
            assertEquals(6, ran.size(), ran::toString);
            assertEquals(thrown, reported);
            assertEquals(5, reported.size());
        } finally {
            loop.removeReader(pipe[0]);
            loop.removeWriter(pipe[1]);
            LoopPipes.close(pipe);
        }
    }

    /** A task's body: whatever it throws is the task's failure, thrown as is to its awaiter and by result(). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("throwables")
    void whateverATaskThrowsReachesItsAwaiterAsIs(String kind, Supplier<Throwable> make) throws Exception {
        Throwable thrown = make.get();
        Task<Object> failing = loop.spawn(() -> { throw sneaky(thrown); });
        Task<Throwable> awaiter = loop.spawn(() -> {
            try {
                Tasks.await(failing);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        assertSame(thrown, loop.runUntilComplete(awaiter));
        assertSame(thrown, assertThrows(Throwable.class, failing::result));
        assertEquals(List.of(), reported);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("throwables")
    void anExceptionHandlerThatThrowsDoesNotStopTheLoop(String kind, Supplier<Throwable> make) throws Exception {
        List<Throwable> seen = new ArrayList<>();
        loop.setExceptionHandler(e -> {
            seen.add(e);
            throw sneaky(make.get());
        });
        List<String> ran = new ArrayList<>();
        RuntimeException first = new RuntimeException("first");
        RuntimeException second = new RuntimeException("second");
        loop.callSoon(() -> { throw first; });
        loop.callSoon(() -> ran.add("same pass"));
        loop.callLater(10, TimeUnit.MILLISECONDS, () -> { throw second; });
        loop.callLater(20, TimeUnit.MILLISECONDS, () -> ran.add("later"));
        loop.callLater(30, TimeUnit.MILLISECONDS, loop::stop);

        String log = capturingEventLoopLog(loop::run);

        assertEquals(List.of("same pass", "later"), ran);
        assertEquals(List.of(first, second), seen, "the handler is still called after it threw");
        assertTrue(log.contains("the exception handler itself failed (on java.lang.RuntimeException: first)")
                && log.contains("the exception handler itself failed (on java.lang.RuntimeException: second)"), log);
    }

    /**
     * What {@code EventLoop}'s System.Logger logs while {@code action} runs. java.util.logging backs
     * System.Logger here; reached through reflection, as the module does not read java.logging.
     */
    private static String capturingEventLoopLog(Runnable action) throws Exception {
        Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        Class<?> handlerClass = Class.forName("java.util.logging.Handler");
        Object logger = loggerClass.getMethod("getLogger", String.class).invoke(null, EventLoop.class.getName());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Object handler = Class.forName("java.util.logging.StreamHandler")
                .getConstructor(java.io.OutputStream.class, Class.forName("java.util.logging.Formatter"))
                .newInstance(bytes, Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance());
        loggerClass.getMethod("addHandler", handlerClass).invoke(logger, handler);
        try {
            action.run();
        } finally {
            handlerClass.getMethod("flush").invoke(handler);
            loggerClass.getMethod("removeHandler", handlerClass).invoke(logger, handler);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- VirtualMachineError: leaves the pass, nothing lost --------------------------------------

    @Test
    void aVirtualMachineErrorEndsRunAndTheRestOfThePassRunsNext() throws Exception {
        StackOverflowError overflow = new StackOverflowError("deep");
        List<String> ran = new ArrayList<>();
        loop.callSoon(() -> ran.add("before"));
        loop.callSoon(() -> { throw overflow; });
        loop.callSoon(() -> ran.add("after"));

        assertSame(overflow, assertThrows(StackOverflowError.class, loop::run));
        assertEquals(List.of("before"), ran);
        assertTrue(reported.isEmpty(), "a VirtualMachineError is not swallowed by the handler");
        assertTrue(!loop.isRunning());

        loop.callSoon(loop::stop);
        loop.run(); // the loop may run again; what was queued runs
        assertEquals(List.of("before", "after"), ran);
    }

    @Test
    void aVirtualMachineErrorInATaskBodyIsTheTasksFailureAndRunGoesOn() throws Exception {
        StackOverflowError overflow = new StackOverflowError("in a task");
        Task<Object> failing = loop.spawn(() -> { throw overflow; });
        Task<Object> lonely = loop.spawn(() -> { throw new StackOverflowError("nobody awaits"); });
        Task<Throwable> awaiter = loop.spawn(() -> {
            try {
                Tasks.await(failing);
                return null;
            } catch (StackOverflowError e) {
                return e;
            }
        });
        assertSame(overflow, loop.runUntilComplete(awaiter));
        assertEquals(1, reported.size(), () -> "reported: " + reported);
        assertSame(lonely, ((UnobservedTaskException) reported.get(0)).task());
    }

    @Test
    void aVirtualMachineErrorInADoneCallbackLosesNeitherTheOtherCallbacksNorTheAwaiter() throws Exception {
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        Promise<String> promise = loop.newPromise();
        List<String> ran = new ArrayList<>();
        promise.onDone(p -> ran.add("first"));
        promise.onDone(p -> { throw oom; });
        promise.onDone(p -> ran.add("third"));
        Task<String> awaiter = loop.spawn(() -> "woke with " + Tasks.await(promise));
        loop.callLater(5, TimeUnit.MILLISECONDS, () -> promise.complete("value"));

        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> loop.runUntilComplete(awaiter)));
        assertEquals(List.of("first"), ran);

        loop.callLater(5, TimeUnit.SECONDS, loop::stop); // without the fix: ends the wait
        assertEquals("woke with value", loop.runUntilComplete(awaiter));
        assertEquals(List.of("first", "third"), ran);
    }

    @Test
    void aVirtualMachineErrorInAReaderKeepsTheHandlesWriterAlive() throws Exception {
        int[] fds = LoopPipes.socketPair();
        try {
            StackOverflowError overflow = new StackOverflowError("reader");
            int[] writerRuns = {0};
            LoopPipes.write(fds[1], new byte[] {1}); // fds[0]: readable and writable
            loop.addReader(fds[0], () -> {
                loop.removeReader(fds[0]);
                throw overflow;
            });
            loop.addWriter(fds[0], () -> {
                if (++writerRuns[0] == 3) {
                    loop.removeWriter(fds[0]);
                    loop.stop();
                }
            });
            assertSame(overflow, assertThrows(StackOverflowError.class, () -> loop.runOnce(1, TimeUnit.SECONDS)));
            loop.callLater(5, TimeUnit.SECONDS, loop::stop); // without the fix the writer never runs again
            loop.run();
            assertEquals(3, writerRuns[0], "the writer went on running, level-triggered");
        } finally {
            loop.removeReader(fds[0]);
            loop.removeWriter(fds[0]);
            LoopPipes.close(fds);
        }
    }

    // ---- 12.2: a task failure nothing observes ---------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("throwables")
    void aFailedTaskThatNothingObservesIsReportedOnce(String kind, Supplier<Throwable> make) throws Exception {
        Throwable failure = make.get();
        Task<Object> lonely = loop.spawn(() -> { throw sneaky(failure); });
        loop.callLater(20, TimeUnit.MILLISECONDS, loop::stop);
        loop.run();

        assertEquals(1, reported.size(), () -> "reported: " + reported);
        UnobservedTaskException report = assertInstanceOf(UnobservedTaskException.class, reported.get(0));
        assertSame(lonely, report.task());
        assertSame(failure, report.getCause());
        assertTrue(report.getMessage().startsWith("Task exception was never retrieved"), report.getMessage());
        assertSame(failure, lonely.exception(), "the failure stays the task's");
    }

    @Test
    void aFailedTaskThatIsAwaitedGatheredObservedOrRunIsNotReported() throws Exception {
        IOException failure = new IOException("seen");
        Task<Object> awaited = loop.spawn(() -> { throw failure; });
        Task<Object> gathered = loop.spawn(() -> { throw failure; });
        Task<Object> observed = loop.spawn(() -> { throw failure; });
        List<Throwable> fromOnDone = new ArrayList<>();
        observed.onDone(p -> fromOnDone.add(p.exception()));
        Promise<List<Object>> all = Tasks.gather(gathered);
        Task<Throwable> awaiter = loop.spawn(() -> {
            try {
                Tasks.await(awaited);
                return null;
            } catch (IOException e) {
                return e;
            }
        });
        Task<Object> cancelled = loop.spawn(() -> { Tasks.sleep(java.time.Duration.ofSeconds(10)); return null; });
        loop.callSoon(cancelled::cancel);

        assertSame(failure, loop.runUntilComplete(awaiter));
        assertSame(failure, assertThrows(IOException.class, () -> loop.runUntilComplete(all)));
        assertSame(failure, assertThrows(IOException.class, () -> loop.runUntilComplete(() -> { throw failure; })));
        loop.callLater(10, TimeUnit.MILLISECONDS, loop::stop);
        loop.run();
        assertTrue(cancelled.isCancelled());
        assertEquals(List.of(failure), fromOnDone);
        assertEquals(List.of(), reported);
    }

    @Test
    void aFailureReadOnlyInALaterPassIsReportedAtTheEndOfThePassItHappenedIn() throws Exception {
        IllegalStateException failure = new IllegalStateException("read too late");
        Task<Object> early = loop.spawn(() -> { throw failure; });
        List<Integer> reportsAtCheck = new ArrayList<>();
        loop.callLater(10, TimeUnit.MILLISECONDS, () -> {
            reportsAtCheck.add(reported.size());
            assertSame(failure, early.exception());
        });
        loop.callLater(20, TimeUnit.MILLISECONDS, loop::stop);
        loop.run();
        assertEquals(List.of(1), reportsAtCheck, "reported before the later read");
        assertEquals(1, reported.size());
    }

    @Test
    void aTaskWhoseAwaiterGaveUpIsReported() throws Exception {
        Task<Object> failing = loop.spawn(() -> {
            Tasks.sleep(java.time.Duration.ofMillis(20));
            throw new IllegalStateException("late failure");
        });
        Task<Object> impatient = loop.spawn(() -> Tasks.withTimeout(java.time.Duration.ofMillis(1), () -> Tasks.await(failing)));
        assertThrows(java.util.concurrent.TimeoutException.class, () -> loop.runUntilComplete(impatient));
        loop.callLater(50, TimeUnit.MILLISECONDS, loop::stop);
        loop.run();
        assertEquals(1, reported.size(), () -> "reported: " + reported);
        assertSame(failing, ((UnobservedTaskException) reported.get(0)).task());
    }
}
