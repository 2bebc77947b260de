package dev.rawpoll.linux;

import static dev.rawpoll.linux.AbiProbeTest.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.linux.bindings.aarch64.epoll_aarch64_h;
import dev.rawpoll.linux.bindings.aarch64.epoll_data;
import dev.rawpoll.linux.bindings.aarch64.io_uring_aarch64_h;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * aarch64 Linux, checked on this machine: the ABI probes cross-compiled for aarch64 (CMake does it
 * when aarch64-linux-gnu-gcc is installed) run under qemu-user, and what they print is compared
 * with what {@link Epoll} and {@link Sockets} hold when the library initialises on aarch64 ({@link
 * OtherArchitecture}), and with the aarch64 io_uring bindings. Without the cross compiler or {@code qemu-aarch64} each test is reported as
 * skipped, saying that it did not run and why. Only layouts and constants are checked this way:
 * the Java code itself never runs on an aarch64 processor here.
 */
class Aarch64AbiProbeTest {
    private static Map<String, Long> epollProbe;
    private static Map<String, Long> socketProbe;
    private static Map<String, Long> uringProbe;
    private static OtherArchitecture aarch64;
    private static String skipReason;

    @BeforeAll
    static void run() throws Exception {
        Path dir = Path.of(System.getProperty("rawpoll.native.dir", "target/native"));
        Path epoll = dir.resolve("abi_probe_linux_aarch64");
        Path socket = dir.resolve("abi_probe_socket_linux_aarch64");
        Path uring = dir.resolve("abi_probe_uring_linux_aarch64");
        Optional<Path> qemu = onPath("qemu-aarch64");
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            skipReason = "did not run: the aarch64 probes are cross-built on Linux only";
        } else if (!Files.isExecutable(epoll) || !Files.isExecutable(socket) || !Files.isExecutable(uring)) {
            skipReason = "did not run: " + epoll + " was not built (install Debian's gcc-aarch64-linux-gnu and "
                    + "libc6-dev-arm64-cross, then build again)";
        } else if (qemu.isEmpty()) {
            skipReason = "did not run: no qemu-aarch64 on PATH (Debian: qemu-user)";
        } else {
            epollProbe = AbiProbeTest.run(List.of(qemu.get().toString(), epoll.toString()));
            socketProbe = AbiProbeTest.run(List.of(qemu.get().toString(), socket.toString()));
            uringProbe = AbiProbeTest.run(List.of(qemu.get().toString(), uring.toString()));
            aarch64 = OtherArchitecture.of("aarch64");
        }
    }

    private static Optional<Path> onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private static void assumeRan() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @Test
    void epollLayoutsAndConstantsOnAarch64MatchTheAarch64Headers() throws Exception {
        assumeRan();
        Class<?> epoll = aarch64.load(Epoll.class.getName());
        assertEquals(epollProbe, new TreeMap<>(AbiProbeTest.javaSide(epoll, epoll_aarch64_h.class, epoll_data.class)));
        // The one difference from x86-64, where struct epoll_event is packed.
        assertEquals(16, epollProbe.get("sizeof(struct epoll_event)"));
        assertEquals(8, field(epoll, "OFFSETOF_DATA"));
        assertNotEquals(Epoll.SIZEOF_EPOLL_EVENT, field(epoll, "SIZEOF_EPOLL_EVENT"), "this JVM is not aarch64: its own Epoll differs");
    }

    @Test
    void socketLayoutsAndConstantsOnAarch64MatchTheAarch64Headers() throws Exception {
        assumeRan();
        Class<?> sockets = aarch64.load(Sockets.class.getName());
        assertEquals(socketProbe, new TreeMap<>(SocketAbiProbeTest.javaValues(sockets)));
    }

    /** The aarch64 io_uring bindings against the aarch64 kernel headers, and the x86-64 set (equal values). */
    @Test
    void uringBindingsForAarch64MatchTheAarch64Headers() throws Exception {
        assumeRan();
        Map<String, Long> aarch64Bindings = UringAbiProbeTest.javaSide(io_uring_aarch64_h.class,
                dev.rawpoll.linux.bindings.aarch64.io_sqring_offsets.layout(),
                dev.rawpoll.linux.bindings.aarch64.io_cqring_offsets.layout(),
                dev.rawpoll.linux.bindings.aarch64.io_uring_params.layout(),
                dev.rawpoll.linux.bindings.aarch64.io_uring_sqe.layout(),
                dev.rawpoll.linux.bindings.aarch64.io_uring_cqe.layout(),
                dev.rawpoll.linux.bindings.aarch64.io_uring_getevents_arg.layout(),
                dev.rawpoll.linux.bindings.aarch64.__kernel_timespec.layout(),
                dev.rawpoll.linux.bindings.aarch64.pollfd.layout());
        assertEquals(uringProbe, aarch64Bindings);
        assertEquals(UringAbiProbeTest.javaSide(), aarch64Bindings, "the x86-64 io_uring bindings");
    }

    /**
     * {@code Uring} initialised on aarch64 takes the aarch64 set: every layout and constant it holds
     * is the aarch64 headers' value, by the probe's name (each of its fields is matched, so none is
     * left unchecked).
     */
    @Test
    void uringOnAarch64HoldsTheAarch64HeadersValues() throws Exception {
        assumeRan();
        Class<?> uring = aarch64.load(Uring.class.getName());
        Map<String, String> structs = Map.of("PARAMS", "io_uring_params", "SQ_OFF", "io_sqring_offsets",
                "CQ_OFF", "io_cqring_offsets", "SQE", "io_uring_sqe", "CQE", "io_uring_cqe",
                "GETEVENTS_ARG", "io_uring_getevents_arg", "TIMESPEC", "__kernel_timespec", "POLLFD", "pollfd");
        int checked = 0;
        for (java.lang.reflect.Field f : uring.getDeclaredFields()) {
            if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) || !f.getType().isPrimitive()
                    || f.getType() == boolean.class) {
                continue;
            }
            String name = f.getName();
            String key = name.startsWith("SYS_IO_URING_") ? "SYS_io_uring_" + name.substring(13).toLowerCase() : name;
            if (name.startsWith("SIZEOF_")) {
                key = "sizeof(struct " + structs.get(name.substring(7)) + ")";
            } else {
                for (Map.Entry<String, String> struct : structs.entrySet()) {
                    if (name.startsWith(struct.getKey() + "_") && !uringProbe.containsKey(name)) {
                        String member = name.substring(struct.getKey().length() + 1).toLowerCase();
                        key = "offsetof(struct " + struct.getValue() + ", " + (struct.getKey().equals("TIMESPEC") ? "tv_" : "")
                                + member + ")";
                    }
                }
            }
            if (name.equals("SQE_OP_FLAGS")) { // the union of rw_flags, poll32_events, msg_flags, accept_flags
                key = "offsetof(struct io_uring_sqe, msg_flags)";
            }
            if (name.equals("PARAMS_SQ_OFF") || name.equals("PARAMS_CQ_OFF")) {
                key = "offsetof(struct io_uring_params, " + name.substring(7).toLowerCase() + ")";
            }
            assertTrue(uringProbe.containsKey(key), "Uring." + name + ": the probe prints no " + key);
            assertEquals(uringProbe.get(key), field(uring, name), "Uring." + name + " on aarch64 (" + key + ")");
            checked++;
        }
        assertTrue(checked >= 60, "checked only " + checked + " fields of Uring");
    }

    /** Why Epoll, Sockets and Uring may link every call from the x86-64 bindings: the descriptors are equal. */
    @Test
    void callsHaveTheSameDescriptorsInBothBindings() throws Exception {
        int compared = 0;
        for (Class<?>[] pair : List.of(
                new Class<?>[] {dev.rawpoll.linux.bindings.epoll_h.class, epoll_aarch64_h.class},
                new Class<?>[] {dev.rawpoll.linux.bindings.socket_h.class, dev.rawpoll.linux.bindings.aarch64.socket_aarch64_h.class},
                new Class<?>[] {dev.rawpoll.linux.bindings.io_uring_h.class, io_uring_aarch64_h.class})) {
            for (Method x86 : pair[0].getMethods()) {
                if (x86.getName().endsWith("$descriptor") && x86.getParameterCount() == 0) {
                    Object arm = pair[1].getMethod(x86.getName()).invoke(null);
                    assertEquals(x86.invoke(null), arm, pair[0].getSimpleName() + "." + x86.getName());
                    compared++;
                }
            }
        }
        assertTrue(compared >= 20, "compared only " + compared + " functions: did reflection miss them?");
    }

    @Test
    void pollerOpenTakesAarch64AndRefusesArchitecturesWithoutBindings() throws Exception {
        assumeRan();
        // Opening creates an epoll instance and closes it: no event array is read with the aarch64 layout.
        Method open = aarch64.load("dev.rawpoll.internal.Platform").getMethod("openPoller");
        try (AutoCloseable poller = (AutoCloseable) open.invoke(null)) {
            assertEquals("dev.rawpoll.linux.EpollPoller", poller.getClass().getName());
        }
        // io_uring too, with the aarch64 set (whose values equal this kernel's x86-64 ones, so the ring
        // it sets up here is a working one): opened, then closed without a poll.
        Method uring = aarch64.load("dev.rawpoll.internal.Platform").getMethod("openIoUringPoller");
        try (AutoCloseable poller = (AutoCloseable) uring.invoke(null)) {
            assertEquals("dev.rawpoll.linux.UringPoller", poller.getClass().getName());
        }
        Method uringOther = OtherArchitecture.of("riscv64").load("dev.rawpoll.internal.Platform").getMethod("openIoUringPoller");
        InvocationTargetException noUring = assertThrows(InvocationTargetException.class, () -> uringOther.invoke(null));
        assertEquals(UnsupportedOperationException.class, noUring.getCause().getClass());
        assertTrue(noUring.getCause().getMessage().contains("riscv64"), noUring.getCause().getMessage());
        Method other = OtherArchitecture.of("riscv64").load("dev.rawpoll.internal.Platform").getMethod("openPoller");
        InvocationTargetException refused = assertThrows(InvocationTargetException.class, () -> other.invoke(null));
        assertEquals(UnsupportedOperationException.class, refused.getCause().getClass());
        assertTrue(refused.getCause().getMessage().contains("riscv64"), refused.getCause().getMessage());
    }
}
