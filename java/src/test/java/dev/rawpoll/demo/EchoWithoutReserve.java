package dev.rawpoll.demo;

import dev.rawpoll.loop.EventLoop;
import java.net.InetSocketAddress;

/** The echo server without a reserve descriptor: AsyncSockets.accept's back-off alone (a child JVM of the tests). */
public final class EchoWithoutReserve {
    private EchoWithoutReserve() {}

    public static void main(String[] args) throws Exception {
        try (EventLoop loop = EventLoop.open()) {
            EchoServer.reportToStderr(loop);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> loop.execute(loop::stop)));
            EchoServer.serve(loop, new InetSocketAddress("127.0.0.1", 0), false, address ->
                    System.out.println("echo server on 127.0.0.1:" + address.getPort()));
        }
    }
}
