package dev.rawpoll.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code ./rawpoll help} and the README agree: the commands table of the README's quick start shows
 * each command of the launcher with exactly the usage line {@code help} prints, and every option
 * that the README or a page of {@code docs/} passes to a {@code ./rawpoll} command is one that
 * {@code help} lists for that command.
 */
@DisabledOnOs(value = OS.WINDOWS, disabledReason = "the launcher ./rawpoll is a bash script")
class LauncherHelpMatchesReadmeTest {
    private static final Path ROOT = Path.of(System.getProperty("rawpoll.root", ".."));

    @Test
    void quickStartTableShowsWhatHelpPrints() throws Exception {
        Map<String, String> help = helpUsages();
        assertTrue(help.keySet().containsAll(List.of("demo", "echo", "bench", "soak", "help")), "help lists: " + help);
        Map<String, String> table = new LinkedHashMap<>();
        String readme = Files.readString(ROOT.resolve("README.md"));
        String quickStart = readme.substring(readme.indexOf("## Quick start"), readme.indexOf("\n## ", readme.indexOf("## Quick start") + 3));
        Matcher m = Pattern.compile("`(\\./rawpoll (\\w+)[^`]*)`").matcher(quickStart);
        for (String row : quickStart.lines().filter(l -> l.startsWith("|")).toList()) {
            m.reset(row.replace("\\|", "|"));
            while (m.find()) table.put(m.group(2), m.group(1));
        }
        Map<String, String> helpWithoutHelp = new LinkedHashMap<>(help);
        helpWithoutHelp.remove("help");
        assertEquals(helpWithoutHelp, table, "README quick-start table vs ./rawpoll help");
    }

    @Test
    void everyOptionTheDocsPassIsListedByHelp() throws Exception {
        Map<String, String> help = helpUsages();
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        TreeSet<String> unlisted = new TreeSet<>();
        Pattern use = Pattern.compile("\\./rawpoll (\\w+)([^`\\n#]*)");
        Pattern option = Pattern.compile("--[a-z][a-z-]*");
        for (Path page : pages) {
            Matcher m = use.matcher(Files.readString(page));
            while (m.find()) {
                String usage = help.get(m.group(1));
                if (usage == null) {
                    unlisted.add(page.getFileName() + ": command " + m.group(1));
                    continue;
                }
                Matcher o = option.matcher(m.group(2));
                while (o.find()) {
                    if (!o.group().equals("--help") && !Pattern.compile(Pattern.quote(o.group()) + "\\b").matcher(usage).find()) {
                        unlisted.add(page.getFileName() + ": ./rawpoll " + m.group(1) + " " + o.group());
                    }
                }
            }
        }
        assertTrue(unlisted.isEmpty(), "used in the docs but not listed by ./rawpoll help: " + unlisted);
    }

    /** Command name → its usage line, from what {@code ./rawpoll help} prints. */
    private static Map<String, String> helpUsages() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", ROOT.resolve("rawpoll").toString(), "help").redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        Map<String, String> usages = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String t = line.strip();
            if (t.startsWith("./rawpoll ")) {
                String usage = t.split(" {2,}")[0];
                usages.put(usage.split(" ")[1], usage);
            }
        }
        return usages;
    }
}
