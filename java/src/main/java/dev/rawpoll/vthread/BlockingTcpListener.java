package dev.rawpoll.vthread;

import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;
import java.net.InetSocketAddress;

/** A listening TCP socket whose {@link #accept()} parks the calling thread; see {@link BlockingSockets}. */
public final class BlockingTcpListener implements AutoCloseable {
    private final BlockingSockets sockets;
    private final TcpListener listener;

    BlockingTcpListener(BlockingSockets sockets, TcpListener listener) {
        this.sockets = sockets;
        this.listener = listener;
    }

    /** Waits for the next connection. */
    public BlockingTcpStream accept() throws IOException {
        for (;;) {
            TcpStream s = listener.accept();
            if (s != null) return new BlockingTcpStream(sockets, s);
            sockets.readers.await(listener.handle());
        }
    }

    public InetSocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    /** Withdraws the socket from the pollers, then closes it; a thread parked in accept gets an IOException. */
    @Override
    public void close() {
        if (listener.isOpen()) {
            sockets.forget(listener.handle());
            listener.close();
        }
    }
}
