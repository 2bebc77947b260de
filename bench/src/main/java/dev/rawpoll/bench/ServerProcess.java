package dev.rawpoll.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One echo server under test, run as its own process so that its CPU time can be read from
 * {@code /proc/<pid>/stat}: started on a free port (argument {@code 0}), ready once it printed
 * {@code listening on PORT}, stopped with SIGTERM.
 */
final class ServerProcess implements AutoCloseable {
    final String name;
    private final Process process;
    final int port;

    private ServerProcess(String name, Process process, int port) {
        this.name = name;
        this.process = process;
        this.port = port;
    }

    /** The command of the C server built from {@code native/c/echo_server.c}. */
    static List<String> cServer(Path nativeDir) {
        return List.of(nativeDir.resolve("echo_server").toString(), "0");
    }

    /** The command that runs {@code mainClass} (a server in this jar) in a JVM like this one. */
    static List<String> javaServer(String mainClass) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The class path puts rawpoll in the unnamed module; its tasks need jdk.internal.vm.
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/jdk.internal.vm=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), mainClass, "0");
    }

    static ServerProcess start(String name, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().close();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = first.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new IOException(name + " server did not report its port: " + e);
        }
        if (line == null || !line.startsWith("listening on ")) {
            process.destroyForcibly();
            throw new IOException(name + " server printed " + line + " instead of \"listening on PORT\"");
        }
        // Keep reading so that a chatty server never blocks on a full pipe.
        Thread.ofPlatform().daemon().name(name + "-stdout").start(() -> {
            try (out) {
                while (out.readLine() != null) {
                    // discarded
                }
            } catch (IOException ignored) {
                // the server is gone
            }
        });
        return new ServerProcess(name, process, Integer.parseInt(line.substring("listening on ".length()).trim()));
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGTERM, then SIGKILL if it has not exited within 10 s; returns the exit status. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    int exitValue() {
        return process.exitValue();
    }

    static void closeAll(List<ServerProcess> servers) {
        for (ServerProcess s : new ArrayList<>(servers)) s.close();
    }
}
