package dev.rawpoll;

/** Pipes and AF_UNIX socket pairs, through {@link TestFds}: the contract suite's handles on Unix. */
public final class UnixHandles implements TestHandles {
    public static final UnixHandles INSTANCE = new UnixHandles();

    private UnixHandles() {}

    @Override
    public Pair pipe() {
        TestFds.Pair p = TestFds.pipe();
        return new Pair(this, p.a(), p.b());
    }

    @Override
    public Pair socketPair() {
        TestFds.Pair p = TestFds.socketPair();
        return new Pair(this, p.a(), p.b());
    }

    @Override
    public long write(long handle, int n) {
        return TestFds.write(fd(handle), n);
    }

    @Override
    public long read(long handle, int max) {
        return TestFds.read(fd(handle), max);
    }

    @Override
    public void shutdownOutput(long handle) {
        TestFds.shutdownOutput(fd(handle));
    }

    @Override
    public void close(long handle) {
        TestFds.close(fd(handle));
    }

    @Override
    public int closedWriterReadiness() {
        return Readiness.HANGUP;
    }

    private static int fd(long handle) {
        return Math.toIntExact(handle);
    }
}
