package dev.rawpoll.windows;

import java.util.Arrays;

/**
 * Which slot each registered socket has: an open-addressing map from a 64-bit {@code SOCKET} to a
 * slot index that allocates nothing on lookup (sockets are not small dense numbers as file
 * descriptors are, so they cannot index an array).
 */
final class SocketSlots {
    private static final int FREE = -1;
    private long[] sockets = new long[16];
    private int[] slots = new int[16];
    private int size;

    SocketSlots() {
        Arrays.fill(slots, FREE);
    }

    /** The slot of {@code socket}, or -1. */
    int get(long socket) {
        int mask = slots.length - 1;
        for (int i = hash(socket) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == FREE) return -1;
            if (sockets[i] == socket) return slots[i];
        }
    }

    void put(long socket, int slot) {
        if ((size + 1) * 2 > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        int i = hash(socket) & mask;
        while (slots[i] != FREE && sockets[i] != socket) {
            i = (i + 1) & mask;
        }
        if (slots[i] == FREE) size++;
        sockets[i] = socket;
        slots[i] = slot;
    }

    /** Removes {@code socket}; backward-shift deletion keeps every probe chain unbroken. */
    void remove(long socket) {
        int mask = slots.length - 1;
        int i = hash(socket) & mask;
        while (slots[i] != FREE && sockets[i] != socket) {
            i = (i + 1) & mask;
        }
        if (slots[i] == FREE) return;
        size--;
        int hole = i;
        for (int j = (hole + 1) & mask; slots[j] != FREE; j = (j + 1) & mask) {
            int home = hash(sockets[j]) & mask;
            // Move j into the hole unless its home lies cyclically in (hole, j].
            boolean stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays) {
                sockets[hole] = sockets[j];
                slots[hole] = slots[j];
                hole = j;
            }
        }
        slots[hole] = FREE;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldSockets = sockets;
        int[] oldSlots = slots;
        sockets = new long[oldSlots.length * 2];
        slots = new int[oldSlots.length * 2];
        Arrays.fill(slots, FREE);
        size = 0;
        for (int i = 0; i < oldSlots.length; i++) {
            if (oldSlots[i] != FREE) put(oldSockets[i], oldSlots[i]);
        }
    }

    private static int hash(long socket) {
        long h = socket * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
