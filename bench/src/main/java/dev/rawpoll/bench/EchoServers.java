package dev.rawpoll.bench;

import dev.rawpoll.bench.servers.NettyEchoServer;
import dev.rawpoll.bench.servers.NioEchoServer;
import dev.rawpoll.bench.servers.RawpollCallbackEchoServer;
import dev.rawpoll.bench.servers.RawpollTaskEchoServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The servers the echo comparison knows, by the names {@code Compare --servers} takes, and the
 * sets of names: {@code default}, {@code groups} (two loops each), {@code uring} (io_uring).
 */
final class EchoServers {
    private EchoServers() {}

    /** The servers of the default set. */
    static final List<String> DEFAULT = List.of("c", "nio", "netty", "callbacks", "tasks");
    /** The 2-loop rows (issue 16): each server on two threads, to compare with its 1-loop row. */
    static final List<String> GROUPS = List.of("nio-2", "netty-2", "callbacks-2", "tasks-2");
    /** The io_uring rows (issue 14), next to the epoll rows. */
    static final List<String> URING = List.of("netty-uring", "callbacks-uring", "tasks-uring");
    /**
     * The 2-loop rawpoll servers with {@code Balancing.HAND_OFF} (one listener, streams handed to
     * the loops in turn, as Netty does): not in a set, named to compare the balancings.
     */
    static final List<String> HAND_OFF = List.of("callbacks-2-hand-off", "tasks-2-hand-off");
    /** Every server {@link #server} knows. */
    static final List<String> KNOWN = java.util.stream.Stream.of(DEFAULT, GROUPS, HAND_OFF, URING)
            .flatMap(List::stream).toList();

    /**
     * The variant rows and what they are compared with in the same run: display name → {its
     * 1-loop epoll form, Netty's row of the same kind (null for Netty itself)}.
     */
    static final Map<String, List<String>> VARIANTS = variants();

    private static Map<String, List<String>> variants() {
        Map<String, List<String>> v = new LinkedHashMap<>();
        v.put("NIO 2 threads", Arrays.asList("NIO", "Netty 2 loops"));
        v.put("Netty 2 loops", Arrays.asList("Netty", null));
        v.put("rawpoll callbacks 2 loops", Arrays.asList("rawpoll callbacks", "Netty 2 loops"));
        v.put("rawpoll tasks 2 loops", Arrays.asList("rawpoll tasks", "Netty 2 loops"));
        v.put("rawpoll callbacks 2 loops, hand-off", Arrays.asList("rawpoll callbacks", "Netty 2 loops"));
        v.put("rawpoll tasks 2 loops, hand-off", Arrays.asList("rawpoll tasks", "Netty 2 loops"));
        v.put("Netty io_uring", Arrays.asList("Netty", null));
        v.put("rawpoll callbacks io_uring", Arrays.asList("rawpoll callbacks", "Netty io_uring"));
        v.put("rawpoll tasks io_uring", Arrays.asList("rawpoll tasks", "Netty io_uring"));
        return java.util.Collections.unmodifiableMap(v);
    }

    /**
     * The server named {@code name}; a Java server's JVM gets {@code jvmOptions} too. {@code -2}
     * names run two loops (selector threads, Netty event loops): rawpoll and NIO with one
     * SO_REUSEPORT listener per loop, Netty with its usual one listener whose channels go to the
     * loops in turn ({@code -2-hand-off}: rawpoll that way too). {@code -uring} names run on io_uring,
     * Netty on its io_uring transport, rawpoll on {@code Poller.openIoUring()}: {@code callbacks-uring}
     * through readiness (POLL_ADD), {@code tasks-uring} through completions (the tasks'
     * recv/send/accept submitted to the ring).
     */
    static Compare.Server server(String name, Path nativeDir, String... jvmOptions) {
        List<String> two = List.of("--loops", "2");
        List<String> uring = List.of("--io-uring");
        List<String> twoHandOff = List.of("--loops", "2", "--hand-off");
        String nio = NioEchoServer.class.getName();
        String netty = NettyEchoServer.class.getName();
        String callbacks = RawpollCallbackEchoServer.class.getName();
        String tasks = RawpollTaskEchoServer.class.getName();
        return switch (name) {
            case "c" -> new Compare.Server("C", ServerProcess.cServer(nativeDir));
            case "nio" -> new Compare.Server("NIO", ServerProcess.javaServer(nio, jvmOptions));
            case "netty" -> new Compare.Server("Netty", ServerProcess.javaServer(netty, jvmOptions));
            case "callbacks" -> new Compare.Server("rawpoll callbacks", ServerProcess.javaServer(callbacks, jvmOptions));
            case "tasks" -> new Compare.Server("rawpoll tasks", ServerProcess.javaServer(tasks, jvmOptions));
            case "nio-2" -> new Compare.Server("NIO 2 threads", ServerProcess.javaServer(nio, two, jvmOptions));
            case "netty-2" -> new Compare.Server("Netty 2 loops", ServerProcess.javaServer(netty, two, jvmOptions));
            case "callbacks-2" -> new Compare.Server("rawpoll callbacks 2 loops", ServerProcess.javaServer(callbacks, two, jvmOptions));
            case "tasks-2" -> new Compare.Server("rawpoll tasks 2 loops", ServerProcess.javaServer(tasks, two, jvmOptions));
            case "callbacks-2-hand-off" -> new Compare.Server("rawpoll callbacks 2 loops, hand-off",
                    ServerProcess.javaServer(callbacks, twoHandOff, jvmOptions));
            case "tasks-2-hand-off" -> new Compare.Server("rawpoll tasks 2 loops, hand-off",
                    ServerProcess.javaServer(tasks, twoHandOff, jvmOptions));
            case "netty-uring" -> new Compare.Server("Netty io_uring", ServerProcess.javaServer(netty, uring, jvmOptions));
            case "callbacks-uring" -> new Compare.Server("rawpoll callbacks io_uring", ServerProcess.javaServer(callbacks, uring, jvmOptions));
            case "tasks-uring" -> new Compare.Server("rawpoll tasks io_uring", ServerProcess.javaServer(tasks, uring, jvmOptions));
            default -> throw new IllegalArgumentException("unknown server " + name + " (known: " + String.join(", ", KNOWN) + ")");
        };
    }

    /** Server names, where {@code default}, {@code groups} and {@code uring} stand for those sets; duplicates dropped. */
    static List<String> expand(String csv) {
        List<String> names = new ArrayList<>();
        for (String n : csv.split(",")) {
            switch (n.trim()) {
                case "default" -> names.addAll(DEFAULT);
                case "groups" -> names.addAll(GROUPS);
                case "uring" -> names.addAll(URING);
                default -> names.add(n.trim());
            }
        }
        return names.stream().distinct().toList();
    }
}
