package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Fault injection where the kernel can be made to fail on purpose (issue 12, "Beyond the
 * inputs"): a lowered RLIMIT_NOFILE makes socket(2), accept4(2), epoll_create1(2) and eventfd(2)
 * fail with EMFILE; a peer resets in the middle of a write; a connect goes to a closed port; a
 * listener's backlog overflows. Each failing call is repeated ({@link FaultInjection#ITERATIONS}
 * times for the cheap ones) and must give the documented exception, naming the call and the
 * errno, every time; and the open descriptors (/proc/self/fd) and the live native allocations
 * (Native Memory Tracking's count for category Other, where FFM arenas allocate) must be the same
 * before and after. The scenarios run in a child JVM ({@link FaultInjection}) started with
 * {@code -XX:NativeMemoryTracking=summary}, because lowering the descriptor limit affects the
 * whole process.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets (dev.rawpoll.net) exist for Linux x86-64 only so far")
class FaultInjectionTest {
    /**
     * Live allocations the JVM itself may add during a scenario. A leak of one arena per failed
     * call would add {@link FaultInjection#ITERATIONS} (or 2 per reset iteration): far above.
     */
    private static final long MALLOC_SLACK = 10;

    private static Map<String, Map<String, String>> results;
    private static String childOutput;

    @BeforeAll
    static void runTheChildJvm() throws Exception {
        String javaBinary = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = Path.of(TcpStream.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                + java.io.File.pathSeparator
                + Path.of(FaultInjection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> command = new ArrayList<>(List.of(javaBinary, "-XX:NativeMemoryTracking=summary",
                "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED",
                "-cp", classPath));
        String nativeDir = System.getProperty("rawpoll.native.dir");
        if (nativeDir != null) {
            command.add("-Drawpoll.native.dir=" + nativeDir);
        }
        command.add(FaultInjection.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        byte[] out = child.getInputStream().readAllBytes();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not end");
        childOutput = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), () -> "the child JVM failed:\n" + childOutput);
        results = new HashMap<>();
        for (String line : childOutput.split("\n")) {
            String[] fields = line.split("\t");
            if (fields.length >= 2 && fields[0].equals("RESULT")) {
                Map<String, String> values = new HashMap<>();
                for (String kv : Arrays.copyOfRange(fields, 2, fields.length)) {
                    int eq = kv.indexOf('=');
                    values.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                results.put(fields[1], values);
            }
        }
    }

    /** The scenario's result, after checking that it ran and leaked neither descriptors nor native memory. */
    private static Map<String, String> leakFree(String scenario) {
        Map<String, String> r = results.get(scenario);
        assertNotNull(r, () -> "no result for " + scenario + " in the child's output:\n" + childOutput);
        assertNull(r.get("failed"), () -> scenario + " failed in the child: " + r.get("failed"));
        assertEquals(r.get("fdsBefore"), r.get("fdsAfter"), () -> scenario + ": descriptors leaked: " + r);
        assertEquals(r.get("rawpollThreadsBefore"), r.get("rawpollThreadsAfter"), () -> scenario + ": threads leaked: " + r);
        long grew = Long.parseLong(r.get("mallocsAfter")) - Long.parseLong(r.get("mallocsBefore"));
        assertTrue(grew <= MALLOC_SLACK, () -> scenario + ": " + grew + " more live native allocations after: " + r);
        return r;
    }

    /** Every one of {@code expected} calls threw, all with one kind of failure: {@code expectedKind}. */
    private static void assertOneKind(Map<String, String> r, int expected, String expectedKind) {
        assertEquals(Integer.toString(expected), r.get("thrown"), () -> "calls that threw: " + r);
        assertEquals(expectedKind, r.get("kinds"));
    }

    private static String emfile(String call) {
        return "dev.rawpoll.SystemCallException errno=EMFILE call=" + call + ": " + call + ": EMFILE (Too many open files)";
    }

    @Test
    void emfileInSocketWhenConnecting() {
        assertOneKind(leakFree("emfile-connect"), FaultInjection.ITERATIONS,
                emfile("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC)"));
    }

    @Test
    void emfileInSocketWhenBinding() {
        assertOneKind(leakFree("emfile-bind"), FaultInjection.ITERATIONS,
                emfile("socket(AF_INET, SOCK_STREAM|SOCK_NONBLOCK|SOCK_CLOEXEC)"));
    }

    @Test
    void emfileInEpollCreate1WhenOpeningAPoller() {
        assertOneKind(leakFree("emfile-poller-open"), FaultInjection.ITERATIONS, emfile("epoll_create1(EPOLL_CLOEXEC)"));
    }

    @Test
    void emfileInEventfdClosesTheEpollDescriptorAlreadyMade() {
        assertOneKind(leakFree("emfile-eventfd"), FaultInjection.ITERATIONS, emfile("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)"));
    }

    @Test
    void emfileWhenOpeningAnEventLoop() {
        assertOneKind(leakFree("emfile-event-loop"), FaultInjection.ITERATIONS, emfile("epoll_create1(EPOLL_CLOEXEC)"));
    }

    /** BlockingSockets.open makes two pollers, each with a thread: a failure at any step undoes the steps before. */
    @Test
    void emfileAtEachStepOfOpeningTheBlockingAdapter() {
        assertOneKind(leakFree("emfile-blocking-sockets-first-poller"), FaultInjection.ITERATIONS,
                emfile("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)"));
        assertOneKind(leakFree("emfile-blocking-sockets-second-poller"), FaultInjection.ITERATIONS,
                emfile("epoll_create1(EPOLL_CLOEXEC)"));
        assertOneKind(leakFree("emfile-blocking-sockets-second-eventfd"), FaultInjection.ITERATIONS,
                emfile("eventfd(0, EFD_CLOEXEC|EFD_NONBLOCK)"));
    }

    @Test
    void emfileInAcceptLeavesTheConnectionInTheBacklog() {
        Map<String, String> r = leakFree("emfile-accept");
        assertOneKind(r, FaultInjection.ITERATIONS, emfile("accept4(fd=N, SOCK_NONBLOCK|SOCK_CLOEXEC)"));
        assertEquals("true", r.get("acceptedAfterwards"), "accepted once the limit was back");
    }

    @Test
    void emfileInAcceptWithoutAccept4() {
        Map<String, String> r = leakFree("emfile-accept-without-accept4");
        assertOneKind(r, FaultInjection.ITERATIONS, emfile("accept(fd=N)"));
        assertEquals("true", r.get("acceptedAfterwards"), "accepted once the limit was back");
    }

    @Test
    void aResetMidWriteThrowsResetOrBrokenPipeAndNeverRaisesSigpipe() {
        Map<String, String> r = leakFree("reset-mid-write");
        assertEquals(r.get("iterations"), r.get("thrown"), () -> "every write after the reset threw: " + r);
        Set<String> allowed = Set.of(
                "dev.rawpoll.net.ConnectionResetException errno=ECONNRESET call=send(fd=N): send(fd=N): ECONNRESET (Connection reset by peer)",
                "dev.rawpoll.net.ConnectionResetException errno=ECONNRESET call=sendmsg(fd=N, 2 segments): sendmsg(fd=N, 2 segments): ECONNRESET (Connection reset by peer)",
                "dev.rawpoll.net.ConnectionResetException errno=ECONNRESET call=send(fd=N, MSG_OOB): send(fd=N, MSG_OOB): ECONNRESET (Connection reset by peer)",
                "dev.rawpoll.net.BrokenPipeException errno=EPIPE call=send(fd=N): send(fd=N): EPIPE (Broken pipe)",
                "dev.rawpoll.net.BrokenPipeException errno=EPIPE call=sendmsg(fd=N, 2 segments): sendmsg(fd=N, 2 segments): EPIPE (Broken pipe)",
                "dev.rawpoll.net.BrokenPipeException errno=EPIPE call=send(fd=N, MSG_OOB): send(fd=N, MSG_OOB): EPIPE (Broken pipe)");
        List<String> kinds = List.of(r.get("kinds").split(FaultInjection.KIND_SEPARATOR));
        for (String kind : kinds) {
            assertTrue(allowed.contains(kind), "unexpected: " + kind);
        }
        for (String call : List.of("call=send(fd=N):", "call=sendmsg(fd=N, 2 segments):", "call=send(fd=N, MSG_OOB):")) {
            assertTrue(kinds.stream().anyMatch(k -> k.contains(call)), () -> call + " never failed: " + kinds);
        }
        assertEquals("false", r.get("sigpipePendingAfterRawpoll"), "rawpoll's writes raised SIGPIPE");
        assertEquals("true", r.get("sigpipePendingAfterPlainSend"),
                "the check cannot see SIGPIPE: a plain send(2) to a reset peer did not leave one pending");
    }

    @Test
    void aResetWithDataUnreadDeliversTheDataThenOneResetThenEndOfStream() {
        Map<String, String> r = leakFree("reset-mid-read");
        assertOneKind(r, Integer.parseInt(r.get("iterations")),
                "dev.rawpoll.net.ConnectionResetException errno=ECONNRESET call=recv(fd=N): recv(fd=N): ECONNRESET (Connection reset by peer)");
        assertEquals("all", r.get("readBeforeReset"), "bytes that arrived before the reset are still read");
        assertEquals("then -1", r.get("afterReset"), "after the one reset, reads return END_OF_STREAM");
    }

    @Test
    void connectToAClosedPortIsRefusedEveryTime() {
        Map<String, String> r = leakFree("refused");
        assertEquals(Integer.toString(FaultInjection.ITERATIONS), r.get("thrown"));
        String kinds = r.get("kinds");
        assertFalse(kinds.contains(FaultInjection.KIND_SEPARATOR), () -> "more than one kind of failure: " + kinds);
        assertTrue(kinds.matches("dev\\.rawpoll\\.net\\.ConnectionRefusedException errno=ECONNREFUSED call=connect\\(127\\.0\\.0\\.1:\\d+\\): "
                + "connect\\(127\\.0\\.0\\.1:\\d+\\): ECONNREFUSED \\(Connection refused\\)"), kinds);
    }

    @Test
    void aFullBacklogDelaysConnectsWithoutAnError() {
        Map<String, String> r = leakFree("backlog-overflow");
        assertEquals("0", r.get("thrown"));
        int whileFull = Integer.parseInt(r.get("establishedWhileFull"));
        assertTrue(whileFull >= 1 && whileFull < 4, () -> "of 4 connects to a listener with backlog 1, established while it was full: " + whileFull);
        assertEquals("4", r.get("acceptedInTheEnd"), "every connect got through once the listener accepted");
        assertEquals("4", r.get("establishedInTheEnd"));
    }

    @Test
    void aBindToAnAddressInUseClosesTheNewSocket() {
        Map<String, String> r = leakFree("eaddrinuse");
        String call = "bind(127.0.0.1:" + r.get("port") + ")";
        assertOneKind(r, FaultInjection.ITERATIONS,
                "dev.rawpoll.SystemCallException errno=EADDRINUSE call=" + call + ": " + call + ": EADDRINUSE (Address already in use)");
    }

    @Test
    void theChildReportedEveryScenario() throws IOException {
        assertEquals(FaultInjection.scenarios().keySet(), results.keySet(), childOutput);
    }
}
