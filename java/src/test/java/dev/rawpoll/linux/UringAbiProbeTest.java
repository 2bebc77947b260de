package dev.rawpoll.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rawpoll.linux.bindings.__kernel_timespec;
import dev.rawpoll.linux.bindings.io_cqring_offsets;
import dev.rawpoll.linux.bindings.io_sqring_offsets;
import dev.rawpoll.linux.bindings.io_uring_cqe;
import dev.rawpoll.linux.bindings.io_uring_getevents_arg;
import dev.rawpoll.linux.bindings.io_uring_h;
import dev.rawpoll.linux.bindings.io_uring_params;
import dev.rawpoll.linux.bindings.io_uring_sqe;
import dev.rawpoll.linux.bindings.pollfd;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Runs native/linux/abi_probe_uring.c, compiled from the kernel's {@code <linux/io_uring.h>}, and
 * compares it with the io_uring bindings, which come from rawpoll's own restatement of those structs
 * (native/linux/io_uring.h). The Java side is not a hand-written list: every field of every struct
 * layout (members of anonymous unions included) and every constant of {@code io_uring_h} is
 * collected, so a field or constant added to the bindings without a probe line fails too.
 */
@EnabledOnOs(OS.LINUX)
class UringAbiProbeTest {

    static Map<String, Long> javaSide() throws ReflectiveOperationException {
        return javaSide(io_uring_h.class, io_sqring_offsets.layout(), io_cqring_offsets.layout(),
                io_uring_params.layout(), io_uring_sqe.layout(), io_uring_cqe.layout(),
                io_uring_getevents_arg.layout(), __kernel_timespec.layout(), pollfd.layout());
    }

    /** The same from any set of io_uring bindings (the aarch64 ones: {@code Aarch64AbiProbeTest}). */
    static Map<String, Long> javaSide(Class<?> header, GroupLayout... structs) throws ReflectiveOperationException {
        Map<String, Long> m = new TreeMap<>();
        for (GroupLayout struct : structs) {
            String name = struct.name().orElseThrow();
            m.put("sizeof(struct " + name + ")", struct.byteSize());
            fields(name, struct, 0, m);
        }
        for (Method method : header.getMethods()) {
            boolean constant = Modifier.isStatic(method.getModifiers()) && method.getParameterCount() == 0
                    && Character.isUpperCase(method.getName().charAt(0))
                    && (method.getReturnType() == int.class || method.getReturnType() == long.class);
            if (constant) {
                Object value = method.invoke(null);
                m.put(method.getName(), value instanceof Integer i ? Integer.toUnsignedLong(i) : (Long) value);
            }
        }
        return m;
    }

    /** Every named member's offset; unnamed unions (and structs) are walked into, as C flattens them. */
    private static void fields(String struct, GroupLayout group, long base, Map<String, Long> out) {
        long offset = 0;
        for (MemoryLayout member : group.memberLayouts()) {
            long at = base + (group instanceof StructLayout ? offset : 0);
            // jextract names an anonymous union "$anon$<line>:<column>"
            if (member.name().isPresent() && !member.name().get().startsWith("$anon$")) {
                out.put("offsetof(struct " + struct + ", " + member.name().get() + ")", at);
            } else if (member instanceof GroupLayout inner) {
                fields(struct, inner, at, out);
            } else {
                assertTrue(member instanceof PaddingLayout, "unnamed member " + member + " in " + struct);
            }
            offset += member.byteSize();
        }
    }

    @Test
    void everyLayoutAndConstantMatchesTheKernelHeader() throws Exception {
        assertEquals(javaSide(), AbiProbeTest.probe("abi_probe_uring"));
    }

    @Test
    void theBackendReadsItsOffsetsFromTheBindings() {
        assertEquals(64, Uring.SIZEOF_SQE);
        assertEquals(16, Uring.SIZEOF_CQE);
        assertEquals(io_uring_sqe.user_data$offset(), Uring.SQE_USER_DATA);
    }
}
