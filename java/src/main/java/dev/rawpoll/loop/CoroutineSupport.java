package dev.rawpoll.loop;

/**
 * Whether {@code jdk.internal.vm.Continuation}, on which tasks run, can be used: java.base
 * exports it only to modules named by {@code --add-exports}. This class does not touch it, so it
 * can say so clearly instead of an {@link IllegalAccessError} from deep inside a task.
 */
final class CoroutineSupport {
    private static final String PACKAGE = "jdk.internal.vm";
    private static final Module SELF = CoroutineSupport.class.getModule();
    private static final boolean AVAILABLE = Object.class.getModule().isExported(PACKAGE, SELF);

    private CoroutineSupport() {}

    /** The JVM flag that makes tasks work for this copy of rawpoll. */
    static String requiredFlag() {
        return "--add-exports java.base/" + PACKAGE + "=" + (SELF.isNamed() ? SELF.getName() : "ALL-UNNAMED");
    }

    /** @throws UnsupportedOperationException naming the missing JVM flag */
    static void ensureAvailable() {
        if (!AVAILABLE) {
            throw new UnsupportedOperationException("rawpoll tasks run on jdk.internal.vm.Continuation, which java.base"
                    + " does not export to " + (SELF.isNamed() ? "module " + SELF.getName() : "the class path")
                    + ": start the JVM with " + requiredFlag()
                    + (SELF.isNamed() ? "" : " (or, for a jar started with -jar, the manifest entry"
                            + " Add-Exports: java.base/" + PACKAGE + ")"));
        }
    }
}
