package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link EventLoopTest} on an io_uring Poller. */
class EventLoopOnIoUringTest extends EventLoopTest {
    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("EventLoopOnIoUringTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openIoUring();
    }
}
