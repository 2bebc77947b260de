package dev.rawpoll.net;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.LeakCheck;
import dev.rawpoll.Poller;
import dev.rawpoll.SystemCallException;
import dev.rawpoll.TestFds;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Base of the socket tests: real TCP over loopback, readiness awaited with a {@link Poller} (never
 * by sleeping), and the process's descriptor count checked to be back where it was after each test.
 */
@ExtendWith(LeakCheck.class)
abstract class LoopbackTest {
    static final InetSocketAddress IPV4_ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    /** How long a test waits for the kernel before it fails. */
    static final long TIMEOUT_SECONDS = 5;

    @BeforeAll
    static void loadEverythingOnce() throws IOException {
        // Classes and lazily opened JDK descriptors load before the first count.
        try (Pair pair = Pair.connect(IPV4_ANY_PORT)) {
            pair.client().setNoDelay(true);
        }
        openDescriptors();
    }

    static long openDescriptors() {
        return TestFds.openFdCount();
    }

    /** Blocks (in a Poller) until {@code handle} is ready for {@code interest}; returns the readiness. */
    static int await(long handle, int interest) throws IOException {
        try (Poller poller = Poller.open()) {
            Events events = poller.newEvents(4);
            poller.register(handle, interest, 1L);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (poller.poll(events, deadline - System.nanoTime(), TimeUnit.NANOSECONDS) > 0 && events.readiness(0) != 0) {
                    int readiness = events.readiness(0);
                    poller.deregister(handle);
                    return readiness;
                }
            }
            poller.deregister(handle);
            fail("handle " + handle + " not ready for " + Interest.toString(interest) + " within " + TIMEOUT_SECONDS + " s");
            return 0;
        }
    }

    /** Waits until the connect of {@code client} is done; throws what finishConnect throws. */
    static void finishConnect(TcpStream client) throws IOException {
        while (!client.finishConnect()) {
            await(client.handle(), Interest.WRITABLE);
        }
    }

    /** Reads exactly {@code len} bytes into {@code b}, waiting for readiness in between. */
    static void readFully(TcpStream stream, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = stream.read(b, off, len);
            if (n == TcpStream.WOULD_BLOCK) {
                await(stream.handle(), Interest.READABLE);
                continue;
            }
            assertTrue(n > 0, "end of stream with " + len + " bytes still expected");
            off += n;
            len -= n;
        }
    }

    /** Writes all of {@code b[off, off + len)}, waiting for readiness in between. */
    static void writeFully(TcpStream stream, byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = stream.write(b, off, len);
            if (n == TcpStream.WOULD_BLOCK) {
                await(stream.handle(), Interest.WRITABLE);
                continue;
            }
            off += n;
            len -= n;
        }
    }

    /** Binds on ::1, or aborts the test with a plain message if this machine has no IPv6 loopback. */
    static TcpListener bindIpv6Loopback() throws IOException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName("::1"), 0);
        try {
            return TcpListener.bind(address, 16);
        } catch (SystemCallException e) {
            Assumptions.abort("IPv6 loopback ::1 is not available on this machine, so IPv6 is NOT tested here: " + e.getMessage());
            throw e;
        }
    }

    /** A listener with one accepted connection: {@code client} connected to {@code server}. */
    record Pair(TcpListener listener, TcpStream client, TcpStream server) implements AutoCloseable {
        static Pair connect(InetSocketAddress bindAddress) throws IOException {
            return over(TcpListener.bind(bindAddress, 16));
        }

        /** Takes ownership of {@code listener}. */
        static Pair over(TcpListener listener) throws IOException {
            TcpStream client = null;
            try {
                client = TcpStream.connect(listener.localAddress());
                await(listener.handle(), Interest.READABLE);
                TcpStream server = listener.accept();
                assertTrue(server != null, "the listener was readable but accept found nothing");
                finishConnect(client);
                return new Pair(listener, client, server);
            } catch (IOException | RuntimeException | Error e) {
                if (client != null) client.close();
                listener.close();
                throw e;
            }
        }

        @Override
        public void close() {
            client.close();
            server.close();
            listener.close();
        }
    }
}
