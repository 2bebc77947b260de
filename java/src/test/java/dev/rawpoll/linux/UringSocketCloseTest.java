package dev.rawpoll.linux;

import static dev.rawpoll.Interest.EDGE;
import static dev.rawpoll.Interest.ONESHOT;
import static dev.rawpoll.Interest.READABLE;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.Events;
import dev.rawpoll.Poller;
import dev.rawpoll.net.ConnectionRefusedException;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A poll request in flight holds its file, so closing a raw descriptor registered on io_uring
 * without deregister does not close it. rawpoll's own sockets do not suffer from it: closing a
 * {@link TcpStream} or {@link TcpListener} registered on an io_uring poller drops the registration
 * and removes its poll before the number is released, as epoll drops a registration with its file.
 */
@EnabledOnOs(OS.LINUX)
class UringSocketCloseTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private Poller poller;
    private Events events;
    private TcpListener listener;

    @BeforeEach
    void open() throws IOException {
        poller = Poller.openIoUring();
        events = poller.newEvents(16);
        listener = TcpListener.bind(LOOPBACK, 16);
    }

    @AfterEach
    void close() {
        listener.close();
        poller.close();
    }

    /** A connected pair: [0] the client, [1] the server side, accepted. */
    private TcpStream[] connect() throws IOException {
        TcpStream client = TcpStream.connect(listener.localAddress());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        TcpStream server;
        while ((server = listener.accept()) == null) {
            assertTrue(System.nanoTime() < deadline, "no connection to accept");
            Thread.onSpinWait();
        }
        return new TcpStream[] {client, server};
    }

    /** What {@code stream} reads within 5 s: END_OF_STREAM, or WOULD_BLOCK if nothing came. */
    private static int readWithin5s(TcpStream stream) throws IOException, InterruptedException {
        byte[] b = new byte[16];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = stream.read(b, 0, b.length)) == TcpStream.WOULD_BLOCK && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(ints = {READABLE, READABLE | EDGE, READABLE | ONESHOT})
    void closingARegisteredStreamGivesThePeerEndOfStream(int interest) throws Exception {
        TcpStream[] pair = connect();
        try (TcpStream client = pair[0]) {
            TcpStream server = pair[1];
            long number = server.handle();
            poller.register(number, interest, 7);
            assertEquals(0, poller.poll(events, 0, MILLISECONDS)); // the poll is armed in the kernel
            server.close(); // no deregister
            assertEquals(TcpStream.END_OF_STREAM, readWithin5s(client), "the poll kept the socket open");
            // and the registration went with it, as on epoll's close of the file
            assertThrows(IOException.class, () -> poller.deregister(number));
        }
    }

    /** Armed in the kernel, then modified (its POLL_REMOVE queued, the new POLL_ADD not): the close still closes. */
    @Test
    void closingAStreamModifiedSinceItsPollWasArmed() throws Exception {
        TcpStream[] pair = connect();
        try (TcpStream client = pair[0]) {
            poller.register(pair[1].handle(), READABLE, 7);
            assertEquals(0, poller.poll(events, 0, MILLISECONDS));
            poller.modify(pair[1].handle(), READABLE | EDGE, 8);
            pair[1].close();
            assertEquals(TcpStream.END_OF_STREAM, readWithin5s(client), "the replaced poll kept the socket open");
        }
    }

    @Test
    void theNumberOfAClosedStreamCanBeRegisteredAgain() throws Exception {
        TcpStream[] first = connect();
        long number = first[1].handle();
        poller.register(number, READABLE, 1);
        poller.poll(events, 0, MILLISECONDS);
        first[1].close();
        TcpStream[] second = connect(); // takes the lowest free numbers: the closed one among them
        try (TcpStream a = first[0]; TcpStream b = second[0]; TcpStream c = second[1]) {
            long reused = b.handle() == number ? b.handle() : c.handle();
            assertEquals(number, reused, "the closed number was not reused");
            poller.register(reused, READABLE, 2); // EEXIST if the old registration had stayed
            (b.handle() == number ? c : b).write(new byte[] {1}, 0, 1);
            assertEquals(1, poller.poll(events, 5, TimeUnit.SECONDS));
            assertEquals(2, events.token(0));
        }
    }

    @Test
    void closingARegisteredListenerStopsListening() throws Exception {
        InetSocketAddress address = listener.localAddress();
        poller.register(listener.handle(), READABLE, 3);
        assertEquals(0, poller.poll(events, 0, MILLISECONDS)); // armed
        listener.close();
        assertThrows(ConnectionRefusedException.class, () -> {
            try (TcpStream late = TcpStream.connect(address)) {
                readWithin5s(late); // a refusal the kernel learns later shows on the first read
            }
        }, "the poll kept the listening socket open");
    }

    /**
     * Closed by another thread while the poller waits: the woken poll removes the request and
     * waits on; the peer sees end of stream while that poll is still waiting.
     */
    @Test
    void closingFromAnotherThreadWhileAPollWaits() throws Exception {
        TcpStream[] pair = connect();
        try (TcpStream client = pair[0]) {
            poller.register(pair[1].handle(), READABLE, 9);
            AtomicLong returnedAt = new AtomicLong();
            Thread polling = Thread.ofPlatform().start(() -> {
                try {
                    poller.poll(events, 3, TimeUnit.SECONDS);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                returnedAt.set(System.nanoTime());
            });
            Thread.sleep(100); // the poll waits, with the request armed
            pair[1].close();
            assertEquals(TcpStream.END_OF_STREAM, readWithin5s(client));
            long sawEndAt = System.nanoTime();
            polling.join();
            assertTrue(returnedAt.get() > sawEndAt, "end of stream came only when the poll returned");
        }
    }
}
