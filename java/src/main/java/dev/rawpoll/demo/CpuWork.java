package dev.rawpoll.demo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The demo's CPU-bound work: SHA-256 rounds, which no I/O can overlap on one thread. Section 2
 * hashes for a given time; section 3 does a fixed number of steps, so that one loop and a group
 * do the same work and their wall times can be compared.
 */
final class CpuWork {
    /** SHA-256 rounds in one step: short, so that a deadline holds on a cold JVM too. */
    static final int ROUNDS_PER_STEP = 50;

    private CpuWork() {}

    /** Hashes for about {@code millis}; returns 32 printable bytes of the result. */
    static byte[] forMillis(String seed, long millis) {
        MessageDigest sha = sha256();
        byte[] data = start(seed);
        long end = System.nanoTime() + millis * 1_000_000;
        do {
            data = step(sha, data);
        } while (System.nanoTime() < end);
        return printable(data);
    }

    /**
     * Exactly {@code steps} steps of hashing, however long they take; returns the steps done, which
     * the demo adds up to show that two runs did the same work.
     */
    static long steps(String seed, long steps) {
        MessageDigest sha = sha256();
        byte[] data = start(seed);
        long done = 0;
        for (; done < steps; done++) data = step(sha, data);
        return done;
    }

    /**
     * The steps this thread does in about {@code millis}: a short warm-up (the first steps run
     * interpreted), then the steps counted over a window of {@code millis}.
     */
    static long calibrate(long millis) {
        forMillis("warm-up", Math.max(10, millis / 4));
        MessageDigest sha = sha256();
        byte[] data = start("calibrate");
        long count = 0;
        long start = System.nanoTime();
        long end = start + millis * 1_000_000;
        long now;
        do {
            data = step(sha, data);
            count++;
        } while ((now = System.nanoTime()) < end);
        return Math.max(1, Math.round(count * (millis * 1e6) / (now - start)));
    }

    private static byte[] step(MessageDigest sha, byte[] data) {
        for (int i = 0; i < ROUNDS_PER_STEP; i++) data = sha.digest(data);
        return data;
    }

    private static byte[] start(String seed) {
        return (seed + " ".repeat(32)).substring(0, 32).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] printable(byte[] data) {
        byte[] printable = new byte[32];
        for (int i = 0; i < 32; i++) printable[i] = (byte) ('a' + (data[i] & 0x0F));
        return printable;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
