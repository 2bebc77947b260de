package dev.rawpoll.demo;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** {@link DemoTest} on an io_uring Poller. */
class DemoOnIoUringTest extends DemoTest {
    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("DemoOnIoUringTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openIoUring();
    }
}
