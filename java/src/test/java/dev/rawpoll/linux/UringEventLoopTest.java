package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Poller;
import dev.rawpoll.TestFds;
import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.loop.Task;
import dev.rawpoll.loop.Tasks;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The event loop, its tasks and {@link AsyncSockets} on an io_uring poller: the whole stack above
 * the {@link Poller} interface runs unchanged (readiness through POLL_ADD, the loop's oneshot-style
 * re-registrations batched into the wait).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UringEventLoopTest {

    @Test
    void aThousandTasksPingPongWithTheRightBytesOnIoUring() throws Exception {
        int connections = 1000;
        int rounds = 10;
        int message = 32;
        long fdsBefore = TestFds.openFdCount();
        try (EventLoop loop = EventLoop.open(Poller.openIoUring());
             TcpListener listener = TcpListener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096)) {
            List<Task<Integer>> echoes = new ArrayList<>();
            Task<Void> acceptor = loop.spawn(() -> {
                for (int i = 0; i < connections; i++) {
                    TcpStream s = AsyncSockets.accept(listener);
                    echoes.add(Tasks.spawn(() -> {
                        try (s) {
                            byte[] b = new byte[message];
                            int n = 0;
                            while (AsyncSockets.read(s, b, 0, 1) == 1) {
                                AsyncSockets.readFully(s, b, 1, message - 1);
                                AsyncSockets.writeAll(s, b, 0, message);
                                n++;
                            }
                            return n;
                        }
                    }));
                }
                return null;
            });
            List<Task<Integer>> clients = new ArrayList<>();
            InetSocketAddress server = listener.localAddress();
            for (int c = 0; c < connections; c++) {
                int id = c;
                clients.add(loop.spawn(() -> {
                    try (TcpStream s = AsyncSockets.connect(server)) {
                        byte[] out = new byte[message];
                        byte[] in = new byte[message];
                        int ok = 0;
                        for (int r = 0; r < rounds; r++) {
                            for (int i = 0; i < message; i++) out[i] = (byte) (id * 7 + r * 13 + i);
                            AsyncSockets.writeAll(s, out, 0, message);
                            AsyncSockets.readFully(s, in, 0, message);
                            if (Arrays.equals(out, in)) ok++;
                        }
                        return ok;
                    }
                }));
            }
            List<Integer> answered = loop.runUntilComplete(Tasks.gather(clients));
            loop.runUntilComplete(acceptor);
            List<Integer> echoed = loop.runUntilComplete(Tasks.gather(echoes));
            assertEquals(connections, answered.size());
            assertTrue(answered.stream().allMatch(n -> n == rounds), "a client got wrong bytes");
            assertTrue(echoed.stream().allMatch(n -> n == rounds), "an echo task saw a different number of rounds");
            assertEquals(0, loop.watchedHandles());
        }
        assertEquals(fdsBefore, TestFds.openFdCount(), () -> "descriptors leaked: " + TestFds.describeOpenFds());
    }

    @Test
    void timersAndCrossThreadExecuteRunOnIoUring() throws Exception {
        try (EventLoop loop = EventLoop.open(Poller.openIoUring())) {
            long start = System.nanoTime();
            Task<String> task = loop.spawn(() -> {
                Tasks.sleep(java.time.Duration.ofMillis(50));
                return "slept";
            });
            assertEquals("slept", loop.runUntilComplete(task));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50), "woke before its timer");
            var ran = new java.util.concurrent.atomic.AtomicBoolean();
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                loop.execute(() -> ran.set(true));
            });
            long before = System.nanoTime();
            for (int i = 0; i < 100 && !ran.get(); i++) {
                loop.runOnce(10, TimeUnit.SECONDS); // the other thread's execute wakes the ring's wait
            }
            assertTrue(ran.get(), "the callback from another thread never ran");
            assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(5), "execute did not wake the loop");
            other.join();
        }
    }
}
