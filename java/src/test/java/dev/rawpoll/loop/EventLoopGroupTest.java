package dev.rawpoll.loop;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.net.ConnectionRefusedException;
import dev.rawpoll.net.TcpStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.condition.OS;

/** A group of loops: one thread each, work stays on its loop, both balancing schemes spread connections. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@ExtendWith(LeakCheck.class)
class EventLoopGroupTest {
    private static final int CLIENTS = 40;

    @Test
    void eachLoopRunsOnItsOwnThreadAndCloseWaitsForThem() throws Exception {
        List<Thread> loopThreads = new ArrayList<>();
        try (EventLoopGroup group = EventLoopGroup.open(2)) {
            assertEquals(2, group.size());
            for (int i = 0; i < 2; i++) {
                EventLoop loop = group.loop(i);
                Thread t = group.spawn(loop, Thread::currentThread).get(10, TimeUnit.SECONDS);
                loopThreads.add(t);
                // the same loop always runs on the same thread: work placed there stays there
                assertEquals(t, group.spawn(loop, Thread::currentThread).get(10, TimeUnit.SECONDS));
            }
            assertTrue(loopThreads.get(0) != loopThreads.get(1), "two loops, two threads");
            assertEquals("rawpoll-loop-1", loopThreads.get(0).getName());
            assertEquals("rawpoll-loop-2", loopThreads.get(1).getName());
            // next() goes round the loops
            Set<EventLoop> seen = new java.util.HashSet<>();
            for (int i = 0; i < 4; i++) seen.add(group.next());
            assertEquals(2, seen.size());
        }
        for (Thread t : loopThreads) {
            assertFalse(t.isAlive(), "close() returned after the loop threads ended");
        }
    }

    @Test
    void closeCancelsTasksStillRunningAndReportsThemToTheirFutures() throws Exception {
        CompletableFuture<Object> forever;
        try (EventLoopGroup group = EventLoopGroup.open(2)) {
            forever = group.spawn(() -> {
                Tasks.sleep(java.time.Duration.ofDays(1));
                return null;
            });
            // it has started: it is sleeping on its loop
            group.spawn(group.loop(0), () -> null).get(10, TimeUnit.SECONDS);
        }
        assertTrue(forever.isDone());
        assertTrue(forever.isCompletedExceptionally());
    }

    @Test
    void badUse() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> EventLoopGroup.open(0));
        EventLoopGroup group = EventLoopGroup.open(1);
        try (EventLoop other = EventLoop.open()) {
            assertThrows(IllegalArgumentException.class, () -> group.spawn(other, () -> null));
        }
        // a loop thread cannot wait for itself to end
        CompletableFuture<Throwable> fromLoop = group.spawn(() -> {
            try {
                group.close();
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertTrue(fromLoop.get(10, TimeUnit.SECONDS) instanceof IllegalStateException);
        group.close();
        group.close(); // idempotent
        assertTrue(group.isClosed());
        assertThrows(RejectedExecutionException.class, () -> group.execute(() -> {}));
        assertThrows(RejectedExecutionException.class, () -> group.spawn(() -> null));
    }

    @Test
    @EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Windows has no SO_REUSEPORT (Balancing.forThisOs() is HAND_OFF there)")
    void reusePortListenersLetTheKernelSpreadConnections() throws Exception {
        servesOnEveryLoop(Balancing.REUSEPORT);
    }

    @Test
    @EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
    void oneAcceptingLoopHandsConnectionsToTheLoopsInTurn() throws Exception {
        servesOnEveryLoop(Balancing.HAND_OFF);
    }

    /**
     * A port that another listener holds fails with EADDRINUSE under both balancings. With
     * REUSEPORT the holder is the case that needs the check: a SO_REUSEPORT listener of the same
     * user, which a SO_REUSEPORT bind would join without an error (and share its connections).
     */
    @Test
    @EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Windows has no SO_REUSEPORT (Balancing.forThisOs() is HAND_OFF there)")
    void aPortAnotherListenerHoldsFailsWithEaddrinuseUnderBothBalancings() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.open(2);
             dev.rawpoll.net.TcpListener holder = dev.rawpoll.net.TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16,
                     dev.rawpoll.net.SocketOptions.DEFAULTS.withReusePort(true));
             dev.rawpoll.net.TcpListener plainHolder = dev.rawpoll.net.TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16)) {
            for (dev.rawpoll.net.TcpListener held : List.of(holder, plainHolder)) {
                for (Balancing balancing : Balancing.values()) {
                    dev.rawpoll.SystemCallException e = assertThrows(dev.rawpoll.SystemCallException.class,
                            () -> group.serve(held.localAddress(), 16, balancing, stream -> { }),
                            balancing + " on a port held by " + held);
                    assertTrue(e.getMessage().contains("bind(") && e.getMessage().contains("EADDRINUSE"), e.getMessage());
                }
            }
            // the same group still serves on a free port, and a second REUSEPORT server on its port is refused too
            try (GroupServer server = group.serve(new InetSocketAddress("127.0.0.1", 0), 16, Balancing.REUSEPORT, stream -> { })) {
                assertThrows(dev.rawpoll.SystemCallException.class,
                        () -> group.serve(server.localAddress(), 16, Balancing.REUSEPORT, stream -> { }));
            }
        }
    }

    /** GroupServer.close() waits for the loops' accept tasks to end: a loop thread calling it is refused, not hung. */
    @Test
    @EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
    // a separate thread: without the check the loop waits for itself and so would the test's close
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aLoopThreadClosingTheServerIsRefusedAndAnotherThreadThenClosesIt() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.open(2)) {
            GroupServer server = group.serve(new InetSocketAddress("127.0.0.1", 0), 16, Balancing.HAND_OFF, stream -> { });
            for (int i = 0; i < group.size(); i++) {
                CompletableFuture<Throwable> fromLoop = new CompletableFuture<>();
                group.loop(i).execute(() -> {
                    try {
                        server.close();
                        fromLoop.complete(null);
                    } catch (Throwable t) {
                        fromLoop.complete(t);
                    }
                });
                assertTrue(fromLoop.get(10, TimeUnit.SECONDS) instanceof IllegalStateException, "loop " + i);
            }
            server.close();
            try (EventLoop client = EventLoop.open()) {
                assertThrows(ConnectionRefusedException.class, () -> client.runUntilComplete(() -> AsyncSockets.connect(server.localAddress())));
            }
        }
    }

    private void servesOnEveryLoop(Balancing balancing) throws Exception {
        Set<String> handlerThreads = ConcurrentHashMap.newKeySet();
        InetSocketAddress address;
        try (EventLoopGroup group = EventLoopGroup.open(2)) {
            try (GroupServer server = group.serve(new InetSocketAddress("127.0.0.1", 0), 128, balancing, stream -> {
                handlerThreads.add(Thread.currentThread().getName());
                byte[] b = new byte[64];
                for (int n; (n = AsyncSockets.read(stream, b, 0, b.length)) > 0; ) {
                    AsyncSockets.writeAll(stream, b, 0, n);
                }
            })) {
                address = server.localAddress();
                assertEquals(balancing, server.balancing());
                echoClients(address);
                long first = server.served(0), second = server.served(1);
                assertEquals(CLIENTS, first + second);
                assertTrue(first > 0 && second > 0, "both loops served: " + first + " / " + second);
                if (balancing == Balancing.HAND_OFF) {
                    assertTrue(Math.abs(first - second) <= 1, "in turn: " + first + " / " + second);
                }
                assertEquals(Set.of("rawpoll-loop-1", "rawpoll-loop-2"), handlerThreads);
            }
            // closed: nothing listens there any more
            try (EventLoop client = EventLoop.open()) {
                assertThrows(ConnectionRefusedException.class, () -> client.runUntilComplete(() -> AsyncSockets.connect(address)));
            }
        }
    }

    /** {@value #CLIENTS} clients on a loop of the test's own, each sending and getting back its number. */
    private static void echoClients(InetSocketAddress address) throws Exception {
        try (EventLoop client = EventLoop.open()) {
            client.runUntilComplete(() -> {
                List<Task<String>> clients = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    String message = String.format("%04d", i);
                    clients.add(Tasks.spawn(() -> {
                        try (TcpStream s = AsyncSockets.connect(address)) {
                            AsyncSockets.writeAll(s, message.getBytes(StandardCharsets.US_ASCII), 0, 4);
                            byte[] reply = new byte[4];
                            AsyncSockets.readFully(s, reply, 0, 4);
                            return new String(reply, StandardCharsets.US_ASCII);
                        }
                    }));
                }
                List<String> replies = Tasks.await(Tasks.gather(clients));
                for (int i = 0; i < CLIENTS; i++) {
                    assertEquals(String.format("%04d", i), replies.get(i));
                }
                return null;
            });
        }
    }
}
