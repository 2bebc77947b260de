package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README says about depending on rawpoll from an application started with {@code java
 * -jar}: the application's own manifest carries {@code Enable-Native-Access: ALL-UNNAMED} and
 * {@code Add-Exports: java.base/jdk.internal.vm}, and the library jar is on its {@code Class-Path}.
 * Built with the JDK's javac and jar against the packaged library (failsafe runs this after
 * {@code package}), then started with no command-line flags at all.
 */
@EnabledOnOs(OS.LINUX) // the sockets of the example exist on Linux only
class ApplicationJarIT {

    @Test
    void applicationJarStartsWithJavaDashJar(@TempDir Path dir) throws Exception {
        Path library = Path.of(System.getProperty("rawpoll.library.jar"));
        assertTrue(Files.isRegularFile(library), "the library jar is built: " + library);
        Path source = Path.of(System.getProperty("rawpoll.it.app", "src/it/app"));
        Path bin = Path.of(System.getProperty("java.home"), "bin");

        Path lib = Files.createDirectories(dir.resolve("lib"));
        Files.copy(library, lib.resolve("rawpoll.jar"));
        Path classes = dir.resolve("classes");
        run(dir, bin.resolve("javac").toString(), "-d", classes.toString(), "-cp", lib.resolve("rawpoll.jar").toString(),
                source.resolve("example/Main.java").toString());
        Path manifest = dir.resolve("manifest.txt");
        Files.writeString(manifest, """
                Main-Class: example.Main
                Class-Path: lib/rawpoll.jar
                Enable-Native-Access: ALL-UNNAMED
                Add-Exports: java.base/jdk.internal.vm
                """);
        run(dir, bin.resolve("jar").toString(), "--create", "--file", "app.jar", "--manifest", manifest.toString(),
                "-C", classes.toString(), ".");

        Result r = run(dir, bin.resolve("java").toString(), "-jar", "app.jar");
        assertEquals("echoed ping", r.stdout.strip());
        assertFalse(r.stderr.contains("WARNING"), "no warning from the JVM: " + r.stderr);
    }

    private record Result(String stdout, String stderr) {}

    private static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile()).start();
        p.getOutputStream().close();
        var out = p.getInputStream().readAllBytes();
        var err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + String.join(" ", command));
        String stdout = new String(out, StandardCharsets.UTF_8);
        String stderr = new String(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + stdout + stderr);
        return new Result(stdout, stderr);
    }
}
