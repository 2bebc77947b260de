package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rawpoll.Events;
import dev.rawpoll.Interest;
import dev.rawpoll.Poller;
import dev.rawpoll.Readiness;
import dev.rawpoll.TestFds;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The README's example, kept compiling and true. */
@DisabledOnOs(OS.WINDOWS) // Unix pipes (TestFds)
class PipeExampleTest {
    @Test
    void readmeExample() throws Exception {
        TestFds.Pair pipe = TestFds.pipe(); // int readFd = pipe.a(), writeFd = pipe.b()
        int readFd = pipe.a(), writeFd = pipe.b();
        StringBuilder out = new StringBuilder();

        // --- README example starts ---
        try (Poller poller = Poller.open()) {                 // epoll on Linux
            Events events = poller.newEvents(64);             // native array, reused by every poll
            poller.register(readFd, Interest.READABLE, 42L);  // 42 comes back with each event

            TestFds.write(writeFd, 5);                        // someone writes to the pipe
            int n = poller.poll(events, 1, TimeUnit.SECONDS); // waits at most 1 s
            for (int i = 0; i < n; i++) {
                int ready = events.readiness(i);
                if (ready == 0) continue;                     // stale: deregistered meanwhile
                out.append(events.token(i)).append(' ').append(Readiness.toString(ready));
            }
            poller.deregister(readFd);                        // always before closing the fd
        }
        // --- README example ends ---

        pipe.close();
        assertEquals("42 READABLE", out.toString());
    }
}
