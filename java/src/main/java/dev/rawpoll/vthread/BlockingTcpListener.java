package dev.rawpoll.vthread;

import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;

/** A listening TCP socket whose {@link #accept()} parks the calling thread; see {@link BlockingSockets}. */
public final class BlockingTcpListener implements AutoCloseable {
    private final BlockingSockets sockets;
    private final TcpListener listener;
    private final SocketState state;
    private volatile int soTimeout;

    BlockingTcpListener(BlockingSockets sockets, TcpListener listener) {
        this.sockets = sockets;
        this.listener = listener;
        this.state = new SocketState(sockets, listener.handle(), listener::close);
    }

    /**
     * Waits for the next connection, at most {@link #setSoTimeout} milliseconds.
     *
     * @throws SocketTimeoutException "Accept timed out" (the listener stays open)
     * @throws java.net.SocketException "Socket closed" or "Closed by interrupt" (the listener is closed)
     */
    public BlockingTcpStream accept() throws IOException {
        state.begin(state.reader);
        try {
            long deadline = 0;
            for (;;) {
                TcpStream s = listener.accept();
                if (s != null) return new BlockingTcpStream(sockets, s);
                if (deadline == 0) deadline = SocketState.deadline(soTimeout);
                state.await(state.reader, deadline, "Accept timed out");
            }
        } finally {
            state.end();
        }
    }

    /** SO_TIMEOUT for {@link #accept()}, as java.net's {@code ServerSocket.setSoTimeout}; 0 (the default) waits forever. */
    public void setSoTimeout(int millis) {
        if (millis < 0) throw new IllegalArgumentException("timeout must not be negative: " + millis);
        soTimeout = millis;
    }

    public int getSoTimeout() {
        return soTimeout;
    }

    public InetSocketAddress localAddress() throws IOException {
        state.begin(null);
        try {
            return listener.localAddress();
        } finally {
            state.end();
        }
    }

    public boolean isOpen() {
        return state.isOpen();
    }

    /** Closes the listener from any thread; a thread parked in accept ends with "Socket closed". See {@link BlockingTcpStream#close()}. */
    @Override
    public void close() {
        state.close();
    }
}
