package dev.rawpoll.demo;

import dev.rawpoll.loop.EventLoop;
import java.io.BufferedReader;
import java.io.InputStreamReader;

/**
 * A child JVM of {@code DefaultReportOutOfDescriptorsTest}: a loop with the default exception
 * handler. It prints a port-like line, waits for a line on stdin (the parent has meanwhile lowered
 * its descriptor limit to what it has open), then lets a task fail unobserved, which the loop
 * reports through its default handler while not one descriptor is free.
 */
public final class ReportWithNoDescriptorLeft {
    private ReportWithNoDescriptorLeft() {}

    public static void main(String[] args) throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            System.out.println("ready on 127.0.0.1:1"); // LimitedChildJvm waits for an address line
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in)).readLine();
            loop.spawn(() -> {
                throw new IllegalStateException("failed with no descriptor left");
            });
            loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
            loop.runOnce(0, java.util.concurrent.TimeUnit.MILLISECONDS);
            System.err.println("time zones still work: " + java.time.ZoneId.systemDefault());
            Thread.sleep(60_000); // until the parent ends it
        }
    }
}
