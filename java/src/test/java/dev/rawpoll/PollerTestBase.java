package dev.rawpoll;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.rawpoll.TestHandles.Pair;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the suites that run on every backend share ({@link PollerContractTest}, {@link
 * PollerPeerScenariosTest}): a fresh poller and a 64-event array per test, handles closed after
 * it, the {@link LeakCheck}, and one {@link #expectEvents} helper that tolerates spurious events.
 */
@ExtendWith(LeakCheck.class)
public abstract class PollerTestBase implements LeakCheck.Settles {

    /** Opens the poller under test. */
    protected abstract Poller openPoller() throws IOException;

    /** The handles the tests watch: pipes and AF_UNIX socket pairs unless a subclass says otherwise. */
    protected TestHandles testHandles() {
        return UnixHandles.INSTANCE;
    }

    /** Lets a backend that releases descriptors asynchronously settle before they are counted. */
    protected void settle() {}

    @Override
    public final void settleHandles() {
        settle();
    }

    protected Poller poller;
    protected Events events;
    protected TestHandles handles;
    /** What {@link #track} closes after the test. */
    protected final List<AutoCloseable> resources = new ArrayList<>();
    /** The handles open before the poller was: a test that closes the poller itself compares. */
    protected long handlesBeforePoller;

    @BeforeEach
    void openIt() throws IOException {
        handles = testHandles();
        settle();
        handlesBeforePoller = LeakCheck.openHandles();
        poller = openPoller();
        events = poller.newEvents(64);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources) r.close();
        poller.close(); // then LeakCheck counts the handles
    }

    /** A pipe (or what stands for one), closed after the test. */
    protected Pair pipe() {
        return track(handles.pipe());
    }

    /** A stream socket pair, closed after the test. */
    protected Pair socketPair() {
        return track(handles.socketPair());
    }

    /** Closes {@code resource} after the test, before the poller. */
    protected <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** Polls once with {@code timeoutMillis}; returns token → OR of readiness, stale events skipped. */
    protected Map<Long, Integer> pollOnce(long timeoutMillis) throws IOException {
        Map<Long, Integer> seen = new HashMap<>();
        int n = poller.poll(events, timeoutMillis, MILLISECONDS);
        assertEquals(n, events.count());
        events.forEach((token, readiness) -> seen.merge(token, readiness, (a, b) -> a | b));
        return seen;
    }

    /**
     * Polls until every expected token has been seen with at least its expected readiness bits (other
     * bits and other tokens, i.e. spurious events, are tolerated), or fails after 5 s.
     */
    protected Map<Long, Integer> expectEvents(Map<Long, Integer> expected) throws IOException {
        Map<Long, Integer> seen = new HashMap<>();
        long deadline = System.nanoTime() + SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            pollOnce(100).forEach((t, r) -> seen.merge(t, r, (a, b) -> a | b));
            if (expected.entrySet().stream().allMatch(e -> (seen.getOrDefault(e.getKey(), 0) & e.getValue()) == e.getValue())) {
                return seen;
            }
        }
        fail("expected " + describe(expected) + ", saw " + describe(seen));
        return seen;
    }

    protected void expectEvent(long token, int readiness) throws IOException {
        expectEvents(Map.of(token, readiness));
    }

    /** Asserts that a poll with a short timeout reports nothing for {@code token}. */
    protected void expectNoEvent(long token) throws IOException {
        Map<Long, Integer> seen = pollOnce(50);
        assertFalse(seen.containsKey(token), () -> "unexpected event " + describe(seen));
    }

    protected static String describe(Map<Long, Integer> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach((t, r) -> sb.append(' ').append(t).append('=').append(Readiness.toString(r)));
        return sb.append(" }").toString();
    }
}
