package dev.rawpoll.demo;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** {@link EchoServerTest} on an io_uring Poller. */
class EchoServerOnIoUringTest extends EchoServerTest {
    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("EchoServerOnIoUringTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openIoUring();
    }
}
