package dev.rawpoll.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Issue 12.1: the echo server runs out of descriptors while serving. In a child JVM whose
 * RLIMIT_NOFILE is lowered to a few more than it has open: it must keep serving what it has,
 * report the shortage once, not spin, close (with the reserve descriptor) or keep waiting (without)
 * what it cannot take, and serve new clients once descriptors are free.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets exist for Linux x86-64 only so far")
@Timeout(120)
class EchoServerOutOfDescriptorsTest {
    private static final int HEADROOM = 6;
    private static final int CLIENTS = 14;
    /** The report of AsyncSockets.accept. */
    private static final String REPORT = "accept is out of resources";

    enum Outcome { SERVED, CLOSED, WAITING }

    @Test
    void theEchoServerClosesWhatItCannotTakeReportsOnceDoesNotSpinAndServesAgain() throws Exception {
        try (LimitedChildJvm child = LimitedChildJvm.start(EchoServer.class, "--port", "0", "--loops", "1")) {
            List<Outcome> outcomes = saturate(child);
            assertTrue(!outcomes.contains(Outcome.WAITING), () -> "with the reserve nothing waits: " + outcomes);
            assertTrue(outcomes.contains(Outcome.CLOSED), () -> "the excess is closed: " + outcomes);
            assertTrue(child.stderrLinesContaining("pending connection(s) through the reserve descriptor") == 1,
                    () -> "one report saying what was closed: " + child.stderr);
        }
    }

    @Test
    void withoutAReserveAcceptBacksOffAndTheWaitingClientsAreServedOnceDescriptorsAreFree() throws Exception {
        try (LimitedChildJvm child = LimitedChildJvm.start(EchoWithoutReserve.class)) {
            List<Outcome> outcomes = saturate(child);
            assertTrue(!outcomes.contains(Outcome.CLOSED), () -> "nothing is closed: " + outcomes);
            assertTrue(outcomes.contains(Outcome.WAITING), () -> "the excess waits in the backlog: " + outcomes);
        }
    }

    /**
     * Opens {@link #CLIENTS} clients against a limit of {@link #HEADROOM} more descriptors,
     * checks the server's CPU while it is saturated and its report, closes the served clients
     * and checks that a waiting client (if any) and a new one are echoed.
     */
    private static List<Outcome> saturate(LimitedChildJvm child) throws Exception {
        long idleDescriptors = child.limitDescriptors(HEADROOM);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<Socket> clients = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(loopback, child.port);
                s.getOutputStream().write('x');
                clients.add(s);
            }
            // The limit was set from a count of the child's descriptors; a JVM that had a few open
            // for a moment then (a jar, a JIT log) has more room: more clients until it runs out.
            for (int more = 0; more < 10 * CLIENTS && !child.awaitStderrContaining(REPORT, Duration.ofSeconds(2)); more++) {
                Socket s = new Socket(loopback, child.port);
                s.getOutputStream().write('x');
                clients.add(s);
            }
            assertEquals(1, child.stderrLinesContaining(REPORT), () -> "the server ran out and said so: " + child.stderr);
            Thread.sleep(500); // every retry (<= 100 ms apart) has happened
            for (Socket s : clients) {
                outcomes.add(outcome(s, Duration.ofMillis(300)));
            }
            long served = outcomes.stream().filter(o -> o == Outcome.SERVED).count();
            assertTrue(served >= 1 && served < clients.size(), () -> "served what the limit allows, not more: " + outcomes
                    + ", child alive: " + child.process.isAlive() + ", stderr: " + child.stderr);

            // Saturated: no spin. A server retrying at once burns a whole core; this one sleeps.
            // New clients keep coming meanwhile: still one report.
            Duration cpuBefore = child.cpuTime();
            long wallBefore = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                Thread.sleep(500);
                Socket s = new Socket(loopback, child.port);
                s.getOutputStream().write('x');
                clients.add(s);
                outcomes.add(outcome(s, Duration.ofMillis(300)));
            }
            double ratio = (double) (child.cpuTime().minus(cpuBefore)).toNanos() / (System.nanoTime() - wallBefore);
            assertTrue(ratio < 0.25, () -> "the saturated server used " + Math.round(ratio * 100) + "% of a core");
            assertEquals(1, child.stderrLinesContaining(REPORT), () -> "reported once: " + child.stderr);

            // Free the descriptors: a waiting client, then a new one, are served.
            for (int i = 0; i < clients.size(); i++) {
                if (outcomes.get(i) != Outcome.WAITING) {
                    clients.get(i).close();
                }
            }
            for (int i = 0; i < clients.size(); i++) {
                if (outcomes.get(i) == Outcome.WAITING) {
                    assertEquals(Outcome.SERVED, outcome(clients.get(i), Duration.ofSeconds(10)), "a waiting client is served");
                    break;
                }
            }
            for (Socket s : clients) {
                s.close();
            }
            child.awaitOpenDescriptorsAtMost(idleDescriptors); // the server has seen the closes
            try (Socket late = new Socket(loopback, child.port)) {
                late.setSoTimeout(10_000);
                late.getOutputStream().write("hello".getBytes());
                assertEquals("hello", new String(late.getInputStream().readNBytes(5)), "a later client is served");
            }
            assertEquals(1, child.stderrLinesContaining(REPORT), () -> "reported once: " + child.stderr);
            assertEquals(0, child.stderrLinesContaining("never retrieved"), () -> child.stderr.toString());
            assertTrue(child.process.isAlive());
            return outcomes;
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    private static Outcome outcome(Socket s, Duration wait) throws IOException {
        s.setSoTimeout((int) wait.toMillis());
        try {
            int b = s.getInputStream().read();
            return b == 'x' ? Outcome.SERVED : Outcome.CLOSED;
        } catch (SocketTimeoutException e) {
            return Outcome.WAITING;
        } catch (SocketException e) {
            return Outcome.CLOSED; // reset
        }
    }
}
