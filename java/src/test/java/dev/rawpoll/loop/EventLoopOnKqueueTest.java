package dev.rawpoll.loop;

import dev.rawpoll.Poller;
import dev.rawpoll.TestPollers;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** Every test of {@link EventLoopTest} on a kqueue Poller (libkqueue on Linux). */
class EventLoopOnKqueueTest extends EventLoopTest {
    @BeforeAll
    static void requireKqueue() throws IOException {
        TestPollers.requireKqueue("EventLoopOnKqueueTest");
    }

    @Override
    Poller openPoller() throws IOException {
        return TestPollers.openKqueue();
    }
}
