package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link AsyncSocketsTest} on an io_uring Poller. */
class AsyncSocketsOnIoUringTest extends AsyncSocketsTest {
    @BeforeAll
    static void requireIoUring() {
        TestPollers.requireIoUring("AsyncSocketsOnIoUringTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openIoUring();
    }
}
