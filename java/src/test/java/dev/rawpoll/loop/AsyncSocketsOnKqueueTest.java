package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link AsyncSocketsTest} on a kqueue Poller (libkqueue on Linux). */
class AsyncSocketsOnKqueueTest extends AsyncSocketsTest {
    @BeforeAll
    static void requireKqueue() throws IOException {
        TestPollers.requireKqueue("AsyncSocketsOnKqueueTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openKqueue();
    }
}
