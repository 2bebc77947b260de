package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The profile pass of Compare: summaries of collapsed stacks, and async-profiler loaded into a live server. */
class ProfilesTest {
    @TempDir
    Path dir;

    @Test
    void summaryCountsSelfTotalAndKernelShares() throws Exception {
        Path collapsed = dir.resolve("p.collapsed");
        Files.writeString(collapsed, """
                main_[j];loop_[j];recv_[k] 6
                main_[j];loop_[j];echo_[i] 3
                main_[j];poll_[j] 1
                """);
        String text = Profiles.summary(collapsed, "title", 10);
        assertTrue(text.startsWith("title\n"), text);
        assertTrue(text.contains("10 samples"), text);
        assertTrue(text.contains("60.0 % in the kernel"), text);
        assertTrue(text.contains(" 60.00 %  recv_[k]"), text);   // self
        assertTrue(text.contains(" 30.00 %  echo_[i]"), text);
        assertTrue(text.contains("100.00 %  main_[j]"), text);   // total, counted once per stack
        assertTrue(text.contains(" 90.00 %  loop_[j]"), text);
        String totals = text.substring(text.indexOf("Total"));
        assertTrue(!totals.contains("recv_[k]"), "kernel frames are left out of the user-space totals: " + text);
    }

    /** async-profiler splits its agent options on commas: a label with one must not reach the file name. */
    @Test
    void profileFileNamesAreSafeForTheAgentOptions() {
        assertEquals("profile-rawpoll-callbacks-2-loops-hand-off-1000x64",
                Compare.profileBaseName("rawpoll callbacks 2 loops, hand-off", 1000, 64));
        for (String label : new String[] {"C", "NIO 2 threads", "rawpoll tasks 2 loops, hand-off", "rawpoll tasks io_uring"}) {
            String base = Compare.profileBaseName(label, 100, 64);
            assertTrue(base.matches("profile-[a-z0-9]+(-[a-z0-9]+)*-100x64"), label + " -> " + base);
        }
    }

    @Test
    void perfScriptBecomesCollapsedStacksRootFirst() {
        String script = """
                echo_server  123 [000] 1.000000: 1001001 cpu-clock:
                \tffffffff81000001 tcp_sendmsg+0x11 ([kernel.kallsyms])
                \t00000000004011aa main+0x2a (/x/echo_server)

                echo_server  123 [000] 1.001000: 1001001 cpu-clock:
                \tffffffff81000001 tcp_sendmsg+0x15 ([kernel.kallsyms])
                \t00000000004011aa main+0x2a (/x/echo_server)
                """;
        assertEquals("main;tcp_sendmsg_[k] 2\n", Profiles.collapsePerfScript(script));
    }

    /** jcmd would split the agent's options at '='; quoted they arrive whole and samples come back. */
    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64", disabledReason = "rawpoll's TCP sockets exist for Linux x86-64 only so far")
    void asyncProfilerSamplesALiveServer() throws Exception {
        Path nativeDir = Path.of(System.getProperty("rawpoll.native.dir", "../java/target/native"));
        Compare.Server spec = Compare.server("callbacks", nativeDir, "-XX:+EnableDynamicAgentLoading");
        Path collapsed = dir.resolve("server.collapsed");
        try (ServerProcess server = ServerProcess.start(spec.name(), spec.command())) {
            Profiles.Session[] session = new Profiles.Session[1];
            Exception[] failed = new Exception[1];
            Loadgen.run(nativeDir, server.port, 8, 64, 2, 0.5, server.pid(), () -> {
                try {
                    session[0] = Profiles.start(server.pid(), true, collapsed, 1);
                } catch (Exception e) {
                    failed[0] = e;
                }
            }, () -> {
                try {
                    if (session[0] != null) session[0].stop();
                } catch (Exception e) {
                    failed[0] = e;
                }
            });
            if (failed[0] != null) throw failed[0];
            assertTrue(server.ioThreadsAllocated().bytes() > 0);
        }
        String stacks = Files.readString(collapsed);
        assertTrue(stacks.contains("RawpollCallbackEchoServer"), "no sample of the server's code: " + stacks.lines().limit(5).toList());
    }
}
