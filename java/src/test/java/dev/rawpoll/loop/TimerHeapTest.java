package dev.rawpoll.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.rawpoll.LeakCheck;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LeakCheck.class)
class TimerHeapTest {

    @Test
    void pollsInDeadlineThenSequenceOrderAndCompactsCancelledOnes() throws IOException {
        try (EventLoop loop = EventLoop.open()) {
            Random random = new Random(42);
            TimerHeap heap = new TimerHeap();
            List<TimerHandle> expected = new ArrayList<>();
            long base = Long.MAX_VALUE - 500; // deadlines wrap around, as nanoTime may
            for (int i = 0; i < 2000; i++) {
                TimerHandle t = new TimerHandle(loop, base + random.nextInt(1000), i, () -> {});
                heap.add(t);
                if (random.nextInt(3) == 0) {
                    t.cancel();
                } else {
                    expected.add(t);
                }
            }
            expected.sort(Comparator.<TimerHandle>comparingLong(t -> t.deadline - base).thenComparingLong(t -> t.sequence));
            assertEquals(2000 - expected.size(), heap.removeCancelled());
            List<TimerHandle> polled = new ArrayList<>();
            for (TimerHandle t; (t = heap.poll()) != null; ) {
                polled.add(t);
            }
            assertEquals(expected, polled);
            assertNull(heap.peek());
        }
    }
}
