package dev.rawpoll.vthread;

import dev.rawpoll.TestSockets;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rawpoll.TestFds;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Empty reads and writes of the blocking adapter return 0 (or return at once) on a socket where
 * nothing ever arrives, instead of parking the thread (issue 12, input 6).
 */
@EnabledIf(value = TestSockets.AVAILABLE, disabledReason = TestSockets.REASON)
class BlockingEmptyInputTest {
    private long fdsBefore;
    private BlockingSockets io;

    @BeforeEach
    void open() throws IOException {
        fdsBefore = TestFds.openFdCount();
        io = BlockingSockets.open();
    }

    @AfterEach
    void close() {
        io.close();
        assertEquals(fdsBefore, TestFds.openFdCount(), TestFds::describeOpenFds);
    }

    @Test
    void emptyReadsAndWritesDoNotPark() throws Exception {
        try (BlockingTcpListener listener = io.bind(new InetSocketAddress("127.0.0.1", 0), 4);
                BlockingTcpStream client = io.connect(listener.localAddress());
                BlockingTcpStream server = listener.accept()) {
            CompletableFuture<String> results = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    byte[] none = new byte[0];
                    String r = server.read(none, 0, 0) + "," + server.read(new byte[4], 4, 0) + ","
                            + server.read(MemorySegment.ofArray(none)) + "," + server.write(none, 0, 0) + ","
                            + client.write(new byte[4], 2, 0);
                    assertSame(none, server.readFully(none));
                    server.writeAll(none);
                    results.complete(r);
                } catch (Throwable e) {
                    results.completeExceptionally(e);
                }
            });
            assertEquals("0,0,0,0,0", results.get(20, TimeUnit.SECONDS));
        }
    }
}
