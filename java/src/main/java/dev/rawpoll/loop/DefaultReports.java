package dev.rawpoll.loop;

import java.util.function.Consumer;

/**
 * Where an {@link EventLoop} reports what user code throws when nobody set a handler: a {@link
 * System.Logger} named after {@code EventLoop}, at ERROR, and stderr if that logger itself throws.
 *
 * <p>Made ready when this class is initialized, which the first {@code EventLoop} does: the
 * logger (the JDK's logging reads its configuration file on first use) and the time-zone database
 * (its default formatter, java.util.logging's SimpleFormatter, loads it on its first record). A
 * first report made later, when the process is out of descriptors (an accept's EMFILE), was
 * otherwise dropped without a trace, or killed the loop's thread and broke the JVM's time zones
 * for good (DefaultReportOutOfDescriptorsTest).
 */
final class DefaultReports {
    private static final System.Logger LOG = System.getLogger(EventLoop.class.getName());

    static {
        java.time.ZoneId.systemDefault();
    }

    /** The default exception handler of every loop. */
    static final Consumer<Throwable> HANDLER = e -> error("event loop: " + e, e);

    private DefaultReports() {}

    /** Logs {@code message} and {@code e}; to stderr if the logger throws. */
    static void error(String message, Throwable e) {
        try {
            LOG.log(System.Logger.Level.ERROR, message, e);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable loggerFailure) {
            System.err.println(message + " (the logger failed: " + loggerFailure + ")");
            e.printStackTrace();
        }
    }
}
