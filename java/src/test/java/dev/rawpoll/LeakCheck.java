package dev.rawpoll;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every test leaves the process with as many open handles (descriptors on Unix, kernel handles on
 * Windows) as it found: counted before each test, before its {@code @BeforeEach} methods, and
 * again after its {@code @AfterEach} methods. Use it with {@code @ExtendWith(LeakCheck.class)}.
 *
 * <p>A test class whose backend releases handles in another thread (libkqueue) implements {@link
 * Settles}; it is asked to settle before each count. Native memory is not counted: without Native
 * Memory Tracking the JVM has no figure for it, and every native allocation of rawpoll lives in an
 * arena that the poller or socket frees when closed, which the handle count already checks.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LeakCheck.class);
    private static final boolean WINDOWS = System.getProperty("os.name", "").startsWith("Windows");

    /** A test class that must let asynchronous closes finish before handles are counted. */
    public interface Settles {
        void settleHandles();
    }

    /** Handles this process has open. */
    public static long openHandles() {
        return WINDOWS ? WindowsHandles.count() : TestFds.openFdCount();
    }

    /** What is open, for the failure message. */
    public static String describeOpenHandles() {
        return WINDOWS ? WindowsHandles.describe() : TestFds.describeOpenFds();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        settle(context);
        context.getStore(NAMESPACE).put(context.getUniqueId(), openHandles());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Long before = context.getStore(NAMESPACE).remove(context.getUniqueId(), Long.class);
        if (before == null) {
            return;
        }
        settle(context);
        assertEquals(before, openHandles(), () -> "handles leaked by " + context.getDisplayName() + ": " + describeOpenHandles());
    }

    private static void settle(ExtensionContext context) {
        if (context.getTestInstance().orElse(null) instanceof Settles s) {
            s.settleHandles();
        }
    }
}
