package example;

import dev.rawpoll.loop.AsyncSockets;
import dev.rawpoll.loop.EventLoop;
import dev.rawpoll.net.TcpListener;
import dev.rawpoll.net.TcpStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** An application that uses rawpoll as a dependency, started with java -jar (see the README). */
public class Main {
    public static void main(String[] args) throws Exception {
        try (TcpListener listener = TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 16);
             EventLoop loop = EventLoop.open()) {
            String reply = loop.runUntilComplete(() -> {
                try (TcpStream client = AsyncSockets.connect(listener.localAddress());
                     TcpStream server = AsyncSockets.accept(listener)) {
                    AsyncSockets.writeAll(client, "ping".getBytes(StandardCharsets.US_ASCII), 0, 4);
                    byte[] b = new byte[4];
                    AsyncSockets.readFully(server, b, 0, 4);
                    return new String(b, StandardCharsets.US_ASCII);
                }
            });
            System.out.println("echoed " + reply);
        }
    }
}
