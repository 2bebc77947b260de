package dev.rawpoll.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A loop's default exception handler reports through {@link System.Logger}; the JDK's logging
 * reads its configuration file on first use, and a process out of descriptors cannot open it, so a
 * first report made then was lost without a trace (java.util.logging swallows the failure and logs
 * to no handler), or killed the loop's thread (the default formatter's first record loads the
 * time-zone database). The loop readies both when its class is initialized, and falls back to
 * stderr if the logger fails: the report of a task failing while not one descriptor is free
 * reaches stderr, and the process's time zones still work.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "a child JVM limited with prlimit (util-linux)")
@Timeout(120)
class DefaultReportOutOfDescriptorsTest {
    @Test
    void theDefaultHandlersFirstReportIsNotLostWhenNoDescriptorIsFree() throws Exception {
        try (LimitedChildJvm child = LimitedChildJvm.start(ReportWithNoDescriptorLeft.class)) {
            child.limitDescriptors(0);
            child.process.getOutputStream().write('\n');
            child.process.getOutputStream().flush();
            assertTrue(child.awaitStderrContaining("failed with no descriptor left", Duration.ofSeconds(30)),
                    () -> "the report reached stderr: " + child.stderr + ", alive: " + child.process.isAlive());
            // and reporting did not break the process's time zones (the default formatter's first
            // record loads their database: loaded with no descriptor free, it fails for good)
            assertTrue(child.awaitStderrContaining("time zones still work", Duration.ofSeconds(30)), () -> child.stderr.toString());
        }
    }
}
