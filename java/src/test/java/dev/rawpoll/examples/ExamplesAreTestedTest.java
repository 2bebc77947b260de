package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java example a user reads — the {@code ```java} blocks of the README and of {@code docs/},
 * and the {@code <pre>{@code ...}</pre>} blocks in the javadoc of the exported packages — stands
 * word for word in a test under {@code java/src/test}, where it is compiled and run. So an example
 * that stops compiling, or stops doing what it says, fails the build. (Lines are compared trimmed,
 * blank lines ignored, so indentation may differ.)
 */
class ExamplesAreTestedTest {
    private static final Path ROOT = Path.of(System.getProperty("rawpoll.root", ".."));
    private static final List<String> EXPORTED = List.of("dev/rawpoll", "dev/rawpoll/loop", "dev/rawpoll/net", "dev/rawpoll/vthread");

    @Test
    void readmeAndDocsExamplesAreInTests() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        if (Files.isDirectory(ROOT.resolve("docs"))) {
            try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
                docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
            }
        }
        List<String> missing = new ArrayList<>();
        String tests = normalizedTests();
        Pattern block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
        for (Path page : pages) {
            Matcher m = block.matcher(Files.readString(page));
            while (m.find()) {
                check(ROOT.relativize(page) + " (block at offset " + m.start() + ")", m.group(1), tests, missing);
            }
        }
        assertTrue(missing.isEmpty(), "examples not found word for word in a test:\n" + String.join("\n\n", missing));
    }

    @Test
    void javadocExamplesOfThePublicApiAreInTests() throws IOException {
        List<String> missing = new ArrayList<>();
        String tests = normalizedTests();
        Pattern block = Pattern.compile("<pre>\\{@code\\s*\\n(.*?)\\n\\s*\\*\\s*}</pre>", Pattern.DOTALL);
        for (String pkg : EXPORTED) {
            Path dir = ROOT.resolve("java/src/main/java").resolve(pkg);
            try (Stream<Path> files = Files.list(dir)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    Matcher m = block.matcher(Files.readString(file));
                    while (m.find()) {
                        String code = m.group(1).lines().map(l -> l.replaceFirst("^\\s*\\*( |$)", ""))
                                .reduce("", (a, b) -> a + b + "\n")
                                .replace("&lt;", "<").replace("&gt;", ">").replace("&#64;", "@").replace("&amp;", "&");
                        check(ROOT.relativize(file) + " (javadoc at offset " + m.start() + ")", code, tests, missing);
                    }
                }
            }
        }
        assertTrue(missing.isEmpty(), "javadoc examples not found word for word in a test:\n" + String.join("\n\n", missing));
    }

    private static void check(String where, String code, String tests, List<String> missing) {
        String wanted = normalize(code);
        if (!wanted.isEmpty() && !tests.contains(wanted)) {
            missing.add(where + ":\n" + code);
        }
    }

    /** Every test source, each line trimmed, blank lines dropped, one big string. */
    private static String normalizedTests() throws IOException {
        StringBuilder all = new StringBuilder("\n");
        try (Stream<Path> files = Files.walk(ROOT.resolve("java/src/test/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                all.append(normalize(Files.readString(f))).append('\n');
            }
        }
        return all.toString();
    }

    private static String normalize(String code) {
        StringBuilder s = new StringBuilder();
        for (String line : code.lines().toList()) {
            String t = line.strip();
            if (!t.isEmpty()) s.append(t).append('\n');
        }
        return s.toString();
    }
}
