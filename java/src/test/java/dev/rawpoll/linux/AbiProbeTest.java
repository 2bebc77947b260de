package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.AbiProbes;
import dev.rawpoll.linux.bindings.epoll_data;
import dev.rawpoll.linux.bindings.epoll_h;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs native/linux/abi_probe.c, compiled by CMake from the real system headers, and compares every
 * size, offset and constant it prints with what the epoll backend uses. Fails on any difference,
 * and on a value printed by one side only.
 */
@EnabledOnOs(OS.LINUX) // epoll and the Linux headers
class AbiProbeTest {

    /** What the Java side was built with: the values {@link Epoll} uses, by the probe's names. */
    static Map<String, Long> javaSide() {
        return javaSide(Epoll.class, epoll_h.class, epoll_data.class);
    }

    /**
     * The values a class {@code epoll} (an {@link Epoll}, possibly initialised for another
     * architecture: {@link OtherArchitecture}) holds, by the probe's names; the errno values it does
     * not hold and {@code sizeof(epoll_data_t)} from the bindings {@code header} and {@code data}.
     */
    static Map<String, Long> javaSide(Class<?> epoll, Class<?> header, Class<?> data) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("sizeof(struct epoll_event)", field(epoll, "SIZEOF_EPOLL_EVENT"));
        m.put("offsetof(struct epoll_event, events)", field(epoll, "OFFSETOF_EVENTS"));
        m.put("offsetof(struct epoll_event, data)", field(epoll, "OFFSETOF_DATA"));
        m.put("sizeof(epoll_data_t)", call(data, "sizeof"));
        for (String name : List.of("EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL", "EPOLL_CLOEXEC", "EPOLLIN",
                "EPOLLOUT", "EPOLLRDHUP", "EPOLLPRI", "EPOLLHUP", "EPOLLERR", "EPOLLET", "EPOLLONESHOT", "EFD_CLOEXEC",
                "EFD_NONBLOCK", "EINTR", "EAGAIN")) {
            m.put(name, field(epoll, name));
        }
        for (String name : List.of("EBADF", "EEXIST", "ENOENT", "EPERM", "EINVAL")) {
            m.put(name, call(header, name));
        }
        return m;
    }

    /**
     * The static field {@code name} of {@code c} as C prints it: ints as non-negative numbers
     * (EPOLLET is 1u << 31).
     */
    static long field(Class<?> c, String name) {
        try {
            Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return unsigned(f.get(null));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(c.getName() + "." + name, e);
        }
    }

    /** The value of the static no-argument method {@code name} of {@code c} (a jextract constant or size). */
    static long call(Class<?> c, String name) {
        try {
            Method m = c.getDeclaredMethod(name);
            m.setAccessible(true);
            return unsigned(m.invoke(null));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(c.getName() + "." + name + "()", e);
        }
    }

    private static long unsigned(Object value) {
        return value instanceof Integer i ? Integer.toUnsignedLong(i) : ((Number) value).longValue();
    }

    /** Runs the probe {@code name}, built by CMake into {@code rawpoll.native.dir}, on this machine. */
    static Map<String, Long> probe(String name) throws IOException, InterruptedException {
        return AbiProbes.run(name, "the Maven build runs CMake before the tests");
    }

    /** Runs a probe's {@code command} (e.g. under qemu-user) and parses its {@code name=value} lines. */
    static Map<String, Long> run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
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

    @Test
    void javaLayoutsAndConstantsMatchTheSystemHeaders() throws Exception {
        assertEquals(new TreeMap<>(javaSide()), probe("abi_probe_linux"));
    }

    @Test
    void epollEventIsPackedOnlyOnX86_64() {
        long expected = System.getProperty("os.arch").equals("amd64") ? 12 : 16;
        assertEquals(expected, Epoll.SIZEOF_EPOLL_EVENT, "struct epoll_event size on " + System.getProperty("os.arch"));
    }
}
