package dev.rawpoll.demo;

import java.io.IOException;
import dev.rawpoll.Poller;
import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rawpoll.LeakCheck;
import dev.rawpoll.loop.EventLoop;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code ./rawpoll echo}, talked to by plain java.net sockets from other threads. */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class EchoServerTest {

    /** The poller of the demo's loops: the OS default here; {@code DemoOnKqueueTest} runs it on kqueue. */
    Poller openPoller() throws IOException {
        return Poller.open();
    }

    @Test
    @Timeout(60)
    void echoesEveryConnectionUntilStopped() throws Exception {
        warmUpJavaNet();
        long fdsBefore = LeakCheck.openHandles();
        CompletableFuture<InetSocketAddress> listening = new CompletableFuture<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        EventLoop[] loop = new EventLoop[1];
        Thread server = Thread.ofPlatform().start(() -> {
            try (EventLoop l = EventLoop.open(openPoller())) {
                loop[0] = l;
                EchoServer.serve(l, new InetSocketAddress("127.0.0.1", 0), listening::complete);
            } catch (Throwable e) {
                failure.set(e);
                listening.completeExceptionally(e);
            }
        });
        InetSocketAddress address = listening.get(10, TimeUnit.SECONDS);

        try (Socket a = new Socket(address.getAddress(), address.getPort());
                Socket b = new Socket(address.getAddress(), address.getPort())) {
            roundTrip(a, "hello");
            roundTrip(b, "world");
            byte[] big = new byte[200_000]; // more than one read and one socket buffer
            for (int i = 0; i < big.length; i++) big[i] = (byte) i;
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    a.getOutputStream().write(big);
                } catch (Exception e) {
                    failure.set(e);
                }
            });
            assertArrayEquals(big, a.getInputStream().readNBytes(big.length));
            writer.join();
            // b stays open: stopping the server closes it
            loop[0].execute(loop[0]::stop);
            server.join(10_000);
            assertEquals(-1, b.getInputStream().read(), "the server closed the open connection");
        }
        assertNull(failure.get());
        assertEquals(fdsBefore, LeakCheck.openHandles(), LeakCheck::describeOpenHandles);
    }

    /** The JDK keeps one socket open for good after the first java.net connection: not ours to count. */
    private static void warmUpJavaNet() throws Exception {
        var loopback = java.net.InetAddress.getLoopbackAddress();
        try (var listener = new java.net.ServerSocket(0, 1, loopback);
                Socket client = new Socket(loopback, listener.getLocalPort());
                Socket accepted = listener.accept()) {
            client.getOutputStream().write(1);
            assertEquals(1, accepted.getInputStream().read());
        }
    }

    private static void roundTrip(Socket s, String text) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        out.write(text.getBytes());
        assertEquals(text, new String(in.readNBytes(text.length())));
    }

    /**
     * The command-line server's loops report to stderr before they run anything queued later,
     * such as the accept tasks of {@code serve}: a failure in the first thing a loop runs after
     * {@code reportingToStderr} is printed as the server's own line ("echo: ..."). (Set after
     * {@code serve}, an accept pass could run first and report, out of descriptors, to the
     * default logger, which printed nothing: EchoServerOutOfDescriptorsTest then waited for a
     * report that never came.)
     */
    @Test
    @Timeout(30)
    void itsLoopsReportToStderrBeforeTheyRunAnythingQueuedAfter() throws Exception {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true));
        try (dev.rawpoll.loop.EventLoopGroup group = EchoServer.reportingToStderr(dev.rawpoll.loop.EventLoopGroup.open(2))) {
            java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(group.size());
            for (int i = 0; i < group.size(); i++) {
                int index = i;
                group.loop(i).execute(() -> {
                    ran.countDown();
                    throw new IllegalStateException("thrown by the first task of loop " + index);
                });
            }
            org.junit.jupiter.api.Assertions.assertTrue(ran.await(10, TimeUnit.SECONDS));
            // close() (end of try) waits for the loop threads: each has reported its failure by then.
        } finally {
            System.setErr(stderr);
        }
        String printed = captured.toString();
        for (int i = 0; i < 2; i++) {
            String line = "echo: java.lang.IllegalStateException: thrown by the first task of loop " + i;
            org.junit.jupiter.api.Assertions.assertTrue(printed.contains(line), () -> "not printed as the server's line: " + printed);
        }
    }
}
