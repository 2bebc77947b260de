package dev.rawpoll.bench.servers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in for an echo server whose one "I/O thread" allocates exactly what it is told to: a
 * client connects to the printed port and sends lines {@code N}; the worker allocates one
 * {@code byte[N]} per line and nothing else, and the reply {@code done} follows. The socket is
 * served by main, not by the worker, so that the worker's count holds the arrays alone.
 */
public final class AllocatingServer {
    private static volatile int request = -1;
    /** Keeps the last array reachable, so that the allocation cannot be optimized away. */
    static volatile byte[] sink;

    private AllocatingServer() {}

    public static void main(String[] args) throws Exception {
        Thread worker = Thread.ofPlatform().daemon().name("allocating-worker").start(() -> {
            IoThreads.register();
            for (;;) {
                int n = request;
                if (n >= 0) {
                    sink = new byte[n];
                    request = -1;
                } else {
                    LockSupport.parkNanos(200_000);
                }
            }
        });
        IoThreads.answerOnStdin();
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            System.out.println("listening on " + listener.getLocalPort());
            System.out.flush();
            try (Socket client = listener.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                 PrintStream out = new PrintStream(client.getOutputStream(), true, StandardCharsets.UTF_8)) {
                for (String line; (line = in.readLine()) != null; ) {
                    request = Integer.parseInt(line.trim());
                    while (request >= 0 && worker.isAlive()) {
                        Thread.sleep(1);
                    }
                    out.println("done");
                }
            }
        }
    }
}
