package dev.rawpoll.linux;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Installs a seccomp filter on the calling thread that answers {@code io_uring_setup} (system
 * call 425 on x86-64 and aarch64) with an errno, as a container runtime's profile does
 * (seccomp(2), "SECCOMP_RET_ERRNO"). {@code prctl(PR_SET_SECCOMP)} without TSYNC binds the filter
 * to this thread only; it ends with the thread. Test code, linked here rather than through the
 * library's bindings: the library itself never calls {@code prctl}.
 */
final class SeccompForTests {
    private static final int PR_SET_SECCOMP = 22;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int SECCOMP_MODE_FILTER = 2;
    private static final int SYS_IO_URING_SETUP = 425;
    private static final int BPF_LD_W_ABS = 0x20;
    private static final int BPF_JMP_JEQ_K = 0x15;
    private static final int BPF_RET_K = 0x06;
    private static final int SECCOMP_RET_ERRNO = 0x0005_0000;
    private static final int SECCOMP_RET_ALLOW = 0x7fff_0000;

    private static final MethodHandle PRCTL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("prctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(1));

    private SeccompForTests() {}

    /** From now on, {@code io_uring_setup} on this thread fails with {@code errno}. */
    static void refuseIoUringSetupOnThisThread(int errno) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } x 4: load the call number,
            // equal to io_uring_setup ? return ERRNO|errno : return ALLOW.
            MemorySegment filter = arena.allocate(8 * 4, 8);
            put(filter, 0, BPF_LD_W_ABS, 0, 0, 0); // seccomp_data.nr is at offset 0
            put(filter, 1, BPF_JMP_JEQ_K, 0, 1, SYS_IO_URING_SETUP);
            put(filter, 2, BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno);
            put(filter, 3, BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW);
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            MemorySegment program = arena.allocate(16, 8);
            program.set(JAVA_SHORT, 0, (short) 4);
            program.set(JAVA_LONG, 8, filter.address());
            if ((int) PRCTL.invokeExact(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) != 0) {
                throw new IllegalStateException("prctl(PR_SET_NO_NEW_PRIVS) failed");
            }
            if ((int) PRCTL.invokeExact(PR_SET_SECCOMP, (long) SECCOMP_MODE_FILTER, program.address(), 0L, 0L) != 0) {
                throw new IllegalStateException("prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER) failed");
            }
        }
    }

    private static void put(MemorySegment filter, int index, int code, int jt, int jf, int k) {
        long at = 8L * index;
        filter.set(JAVA_SHORT, at, (short) code);
        filter.set(JAVA_BYTE, at + 2, (byte) jt);
        filter.set(JAVA_BYTE, at + 3, (byte) jf);
        filter.set(JAVA_INT, at + 4, k);
    }
}
