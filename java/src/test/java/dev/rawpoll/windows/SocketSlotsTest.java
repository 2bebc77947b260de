package dev.rawpoll.windows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SocketSlotsTest {
    @Test
    void behavesAsAMapUnderRandomPutsAndRemoves() {
        SocketSlots slots = new SocketSlots();
        Map<Long, Integer> expected = new HashMap<>();
        Random random = new Random(5);
        for (int step = 0; step < 20_000; step++) {
            // Socket values as Windows hands them out: multiples of 4, some above 32 bits.
            long socket = 4L * random.nextInt(600) + (random.nextBoolean() ? 0 : 0x1_0000_0000L);
            if (random.nextInt(3) == 0) {
                slots.remove(socket);
                expected.remove(socket);
            } else {
                slots.put(socket, step);
                expected.put(socket, step);
            }
            if (step % 97 == 0) {
                for (long s = 0; s < 2400; s += 4) {
                    assertEquals(expected.getOrDefault(s, -1), slots.get(s), "socket " + s);
                    long high = s + 0x1_0000_0000L;
                    assertEquals(expected.getOrDefault(high, -1), slots.get(high), "socket " + high);
                }
            }
            assertEquals(expected.size(), slots.size());
        }
    }
}
