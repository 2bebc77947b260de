package dev.rawpoll.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines of ./rawpoll demo and echo: every bad one is one line naming the option, before any work. */
class CommandLineTest {
    private static final String USAGE = "usage: test";

    private static String error(String... args) {
        return assertThrows(CommandLine.UsageException.class, () -> {
            CommandLine c = CommandLine.read("echo", USAGE, args, "--port", "--scale", "--svg", "--host");
            c.integer("--port", 7007, 0, 65535);
            c.positive("--scale", 1, 100);
            c.outputFile("--svg", Path.of("x.svg"));
            c.host("--host", "127.0.0.1");
        }).getMessage();
    }

    @Test
    void badValuesNameTheOptionAndWhatIsAllowed() {
        assertEquals("rawpoll echo: --port must be an integer from 0 to 65535, not 'abc'", error("--port", "abc"));
        assertEquals("rawpoll echo: --port must be an integer from 0 to 65535, not '99999'", error("--port", "99999"));
        assertEquals("rawpoll echo: --port needs a value (usage: test)", error("--port"));
        assertEquals("rawpoll echo: --port needs a value (usage: test)", error("--port", "--host", "::1"));
        assertEquals("rawpoll echo: --scale must be a number greater than 0 and at most 100, not 'abc'", error("--scale", "abc"));
        assertEquals("rawpoll echo: --scale must be a number greater than 0 and at most 100, not '-1'", error("--scale", "-1"));
        assertEquals("rawpoll echo: --scale must be a number greater than 0 and at most 100, not 'NaN'", error("--scale", "NaN"));
        assertEquals("rawpoll echo: unknown option '--bogus' (usage: test)", error("--bogus", "1"));
        assertEquals("rawpoll echo: --svg names a file in a directory that does not exist: /no/such/dir", error("--svg", "/no/such/dir/x.svg"));
        assertEquals("rawpoll echo: --host is not an address or a known host name: 'no.such.host.invalid'",
                error("--host", "no.such.host.invalid"));
    }

    @Test
    void helpHasNoMessage() {
        assertNull(assertThrows(CommandLine.UsageException.class, () -> CommandLine.read("echo", USAGE, new String[] {"--help"}, "--port")).getMessage());
    }

    @Test
    void goodValuesAndDefaults(@TempDir Path dir) throws Exception {
        CommandLine c = CommandLine.read("demo", USAGE, new String[] {"--scale", "0.2", "--svg", dir.resolve("a.svg").toString()}, "--scale", "--svg", "--port");
        assertEquals(0.2, c.positive("--scale", 1, 100));
        assertEquals(dir.resolve("a.svg").toAbsolutePath(), c.outputFile("--svg", Path.of("x")));
        assertEquals(7007, c.integer("--port", 7007, 0, 65535));
    }

    @Test
    void addressesPrintAsTyped() throws Exception {
        assertEquals("[::1]:7008", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("::1"), 7008)));
        assertEquals("127.0.0.1:7008", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7008)));
        assertEquals("[fe80::1:0:0:2]:1", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("fe80:0:0:0:1:0:0:2"), 1)));
        assertEquals("[2001:db8::1]:1", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:1"), 1)));
        assertEquals("[::]:1", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("::"), 1)));
        assertEquals("[1:2:3:4:5:6:7:8]:1", CommandLine.hostPort(new InetSocketAddress(InetAddress.getByName("1:2:3:4:5:6:7:8"), 1)));
    }

    /** The real command in a child JVM: a bad option and a port in use are one line each, and the status says which. */
    @Test
    @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX) // sockets
    void echoCommandFailsWithOneLine() throws Exception {
        try (dev.rawpoll.net.TcpListener taken = dev.rawpoll.net.TcpListener.bind(new InetSocketAddress("127.0.0.1", 0), 1)) {
            String port = String.valueOf(taken.localAddress().getPort());
            String[] inUse = run("--port", port);
            assertEquals("1", inUse[0]);
            assertEquals("rawpoll echo: bind(127.0.0.1:" + port + "): EADDRINUSE (Address already in use)", inUse[1].strip());
        }
        String[] bad = run("--port", "abc");
        assertEquals("2", bad[0]);
        assertEquals("rawpoll echo: --port must be an integer from 0 to 65535, not 'abc'", bad[1].strip());
        String[] help = run("--help");
        assertEquals("0", help[0]);
        assertEquals("", help[1]);
    }

    /** Exit status and stderr of {@code EchoServer} started with {@code args}, like ./rawpoll does. */
    private static String[] run(String... args) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=dev.rawpoll", "--add-exports", "java.base/jdk.internal.vm=dev.rawpoll",
                "-p", System.getProperty("jdk.module.path"), "-m", "dev.rawpoll/dev.rawpoll.demo.EchoServer"));
        command.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not end: " + command);
        }
        return new String[] {String.valueOf(p.exitValue()), err};
    }
}
