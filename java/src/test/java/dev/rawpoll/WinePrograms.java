package dev.rawpoll;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the Windows C programs CMake cross-built with mingw-w64 into {@code rawpoll.native.dir}
 * under Wine, once per JVM each, and parses their {@code name=value} lines; or says why it cannot
 * (on Windows, where the Java code runs for real; without mingw-w64; without Wine).
 */
public final class WinePrograms {
    private static final Map<String, Map<String, Long>> OUTPUTS = new ConcurrentHashMap<>();

    private WinePrograms() {}

    /** Why {@code exes} cannot run here, or empty when they can. */
    public static Optional<String> whyNot(String... exes) {
        if (System.getProperty("os.name", "").startsWith("Windows")) {
            return Optional.of("did not run: the mingw-w64 C references are cross-built on Linux only; "
                    + "on Windows the Java code runs for real");
        }
        for (String exe : exes) {
            Path path = dir().resolve(exe);
            if (!Files.isRegularFile(path)) {
                return Optional.of("did not run: " + path + " was not built (install mingw-w64: Debian gcc-mingw-w64-x86-64)");
            }
        }
        if (findWine().isEmpty()) {
            return Optional.of("did not run: no wine or wine64 found (Debian: wine64)");
        }
        return Optional.empty();
    }

    /** The {@code name=value} lines {@code exe} printed under Wine (it must exit with 0). */
    public static Map<String, Long> output(String exe) {
        return OUTPUTS.computeIfAbsent(exe, e -> {
            try {
                return parse(runUnderWine(findWine().orElseThrow(), dir().resolve(e)));
            } catch (IOException | InterruptedException x) {
                throw new AssertionError("running " + e + " under Wine", x);
            }
        });
    }

    private static Path dir() {
        return Path.of(System.getProperty("rawpoll.native.dir", "target/native"));
    }

    private static Optional<Path> findWine() {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .flatMap(d -> Stream.of(Path.of(d, "wine"), Path.of(d, "wine64")));
        return Stream.concat(onPath, Stream.of(Path.of("/usr/lib/wine/wine64"), Path.of("/usr/lib/wine/wine")))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static String runUnderWine(Path wine, Path exe) throws IOException, InterruptedException {
        Path prefix = Path.of(System.getProperty("java.io.tmpdir"),
                "rawpoll-wine-" + System.getProperty("user.name", "user").toLowerCase(Locale.ROOT));
        Path log = exe.resolveSibling(exe.getFileName() + ".wine.log");
        ProcessBuilder pb = new ProcessBuilder(wine.toString(), exe.toString())
                .redirectError(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("WINEPREFIX", prefix.toString());
        pb.environment().put("WINEDEBUG", "-all");
        pb.environment().put("WINEDLLOVERRIDES", "mscoree,mshtml="); // no Mono/Gecko installer prompts
        Process p = pb.start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(exe + " under " + wine + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(exe + " under " + wine + " failed (" + p.exitValue() + "); output:\n" + out
                    + "\nstderr: " + Files.readString(log));
        }
        return out;
    }

    private static Map<String, Long> parse(String out) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : out.split("\\R")) {
            int eq = line.lastIndexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                m.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
            }
        }
        return m;
    }
}
