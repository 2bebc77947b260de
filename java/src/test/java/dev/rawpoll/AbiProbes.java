package dev.rawpoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs an ABI probe of {@code native/} (built by CMake from the real system headers before the
 * tests) and reads what it prints: one {@code name=value} per line, sizes, offsets and constants.
 */
public final class AbiProbes {
    private AbiProbes() {}

    /**
     * Runs the probe executable {@code name} from the CMake build directory.
     *
     * @param notBuilt why it may be missing, for the failure message
     */
    public static Map<String, Long> run(String name, String notBuilt) throws IOException, InterruptedException {
        String dir = System.getProperty("rawpoll.native.dir");
        assertTrue(dir != null, "system property rawpoll.native.dir is not set (run through Maven)");
        Path exe = Path.of(dir, name);
        assertTrue(Files.isExecutable(exe), exe + " was not built: " + notBuilt);
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "probe hung");
        assertEquals(0, p.exitValue(), out);
        Map<String, Long> m = new TreeMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            int eq = line.lastIndexOf('=');
            m.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
        }
        return m;
    }
}
