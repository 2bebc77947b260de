package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * With no JDK 25 to be found, {@code ./mvnw} and {@code ./rawpoll} stop with the one line the
 * README quotes and exit 1. (The launcher used to print that line and then run {@code /bin/java}:
 * a sourced {@code .mvn/jdk.sh} ended with status 0, so its caller's {@code || exit 1} never ran.)
 * The JDKs of this machine are hidden in a mount namespace of the child's own ({@code unshare
 * --mount}, which needs root, as CI has); elsewhere the test says it did not run.
 */
@EnabledOnOs(OS.LINUX)
class LauncherWithoutJdkTest {
    private static final Path ROOT = Path.of(System.getProperty("rawpoll.root", "..")).toAbsolutePath().normalize();

    @ParameterizedTest
    @ValueSource(strings = {"./rawpoll help", "./rawpoll echo --port 0", "./mvnw -v"})
    void withoutAJdk25ItStopsWithOneLineAndExitsOne(String command) throws Exception {
        String script = "for d in /usr/lib/jvm /usr/java /opt; do [ -d $d ] && mount -t tmpfs none $d; done; "
                + "cd '" + ROOT + "' && JAVA_HOME= HOME=/nonexistent exec " + command;
        Process p = new ProcessBuilder(List.of("unshare", "--mount", "sh", "-c", script)).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS));
        assumeTrue(!err.contains("unshare:") && !err.contains("mount:"),
                () -> "did not run: no mount namespace here (needs root): " + err.strip());
        assertEquals("", out, command + " printed on stdout");
        assertEquals(List.of("rawpoll needs JDK 25 or newer: install one (e.g. Temurin 25 into /usr/lib/jvm) or set JAVA_HOME to it."),
                err.lines().toList(), command + ": stderr");
        assertEquals(1, p.exitValue(), command + ": exit status");
    }
}
