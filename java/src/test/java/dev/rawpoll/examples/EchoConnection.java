package dev.rawpoll.examples;

import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.net.TcpStream;
import java.io.IOException;

/** One connection of a callback echo server: read what is there, write it back, and while the
 *  socket cannot take more, stop reading and wait until it is writable (backpressure). */
final class EchoConnection {
    private final EventLoop loop;
    private final TcpStream stream;
    private final byte[] buf = new byte[16 * 1024];
    private int pending, offset;                      // read, not yet written back

    EchoConnection(EventLoop loop, TcpStream stream) throws IOException {
        this.loop = loop;
        this.stream = stream;
        loop.addReader(stream.handle(), this::onReadable);
    }

    private void onReadable() {
        try {
            int n = stream.read(buf, 0, buf.length);
            if (n == TcpStream.WOULD_BLOCK) return;
            if (n == TcpStream.END_OF_STREAM) { close(); return; }
            pending = n;
            offset = 0;
            onWritable();
        } catch (IOException e) {
            close();
        }
    }

    private void onWritable() {
        try {
            while (offset < pending) {
                int n = stream.write(buf, offset, pending - offset);
                if (n == TcpStream.WOULD_BLOCK) {             // the peer reads slowly:
                    loop.removeReader(stream.handle());       // read no more until there is room
                    loop.addWriter(stream.handle(), this::onWritable);
                    return;
                }
                offset += n;
            }
            if (loop.removeWriter(stream.handle())) {          // it had waited for room
                loop.addReader(stream.handle(), this::onReadable);
            }
        } catch (IOException e) {
            close();
        }
    }

    private void close() {
        loop.removeReader(stream.handle());                   // watchers first, then the socket
        loop.removeWriter(stream.handle());
        stream.close();
    }
}

