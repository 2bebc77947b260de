package dev.rawpoll;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.function.BiConsumer;

/**
 * The leak check's count on Windows: the process's handles of the two kinds a poller or a test
 * could leak, I/O completion ports and files (a socket is a file handle on {@code \Device\Afd},
 * and so is the poller's own AFD handle). Not GetProcessHandleCount: that counts every thread,
 * event and registry key the JVM opens and closes on its own while a test runs.
 *
 * <p>The handles come from NtQueryInformationProcess(ProcessHandleInformation = 51, Windows 8 and
 * later): a PROCESS_HANDLE_SNAPSHOT_INFORMATION (NumberOfHandles and a reserved word, then one
 * 40-byte PROCESS_HANDLE_TABLE_ENTRY_INFO per handle: HandleValue at 0, ObjectTypeIndex at 28).
 * Type indexes differ between Windows versions, so they are learnt from a completion port and a
 * loopback connection opened for the purpose. Windows only: nothing loads this class elsewhere.
 */
final class WindowsHandles {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int PROCESS_HANDLE_INFORMATION = 51;
    private static final int STATUS_INFO_LENGTH_MISMATCH = 0xC0000004;
    private static final long CURRENT_PROCESS = -1; // GetCurrentProcess()'s pseudo handle
    private static final long HEADER = 16;
    private static final long ENTRY = 40;
    private static final long OFFSET_TYPE = 28;

    private static final MethodHandle QUERY = LINKER.downcallHandle(
            SymbolLookup.libraryLookup("ntdll", Arena.global()).findOrThrow("NtQueryInformationProcess"),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final SymbolLookup KERNEL32 = SymbolLookup.libraryLookup("kernel32", Arena.global());
    private static final MethodHandle CREATE_PORT = LINKER.downcallHandle(KERNEL32.findOrThrow("CreateIoCompletionPort"),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE_HANDLE = LINKER.downcallHandle(KERNEL32.findOrThrow("CloseHandle"),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG));

    private static final int PORT_TYPE;
    private static final int FILE_TYPE;

    static {
        try {
            long port = (long) CREATE_PORT.invokeExact(-1L, 0L, 0L, 0);
            if (port == 0) throw new AssertionError("CreateIoCompletionPort failed");
            int[] types = {-1, -1};
            // A whole loopback connection, not just a socket: whatever Winsock opens for good on
            // first use is then open before any test counts.
            try (TestHandles.Pair pair = LoopbackTcp.INSTANCE.socketPair()) {
                snapshot((handle, type) -> {
                    if (handle == port) types[0] = type;
                    if (handle == pair.a()) types[1] = type;
                });
            } finally {
                int unused = (int) CLOSE_HANDLE.invokeExact(port);
            }
            if (types[0] < 0 || types[1] < 0) throw new AssertionError("probe handles missing from the snapshot");
            PORT_TYPE = types[0];
            FILE_TYPE = types[1];
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    private WindowsHandles() {}

    /** Open completion ports and files (sockets included). */
    static long count() {
        long[] n = {0};
        snapshot((handle, type) -> {
            if (type == PORT_TYPE || type == FILE_TYPE) n[0]++;
        });
        return n[0];
    }

    /** {@code 0x1a4=port 0x1b0=file ...}, for a failed leak check. */
    static String describe() {
        StringBuilder sb = new StringBuilder();
        snapshot((handle, type) -> {
            if (type == PORT_TYPE || type == FILE_TYPE) {
                sb.append("0x").append(Long.toHexString(handle)).append(type == PORT_TYPE ? "=port " : "=file ");
            }
        });
        return sb.toString();
    }

    /** Calls {@code each} with (handle value, object type index) for every handle of this process. */
    private static void snapshot(BiConsumer<Long, Integer> each) {
        int size = 64 * 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment returned = arena.allocate(JAVA_INT);
            for (;;) {
                MemorySegment buffer = arena.allocate(size, 8);
                int status = (int) QUERY.invokeExact(CURRENT_PROCESS, PROCESS_HANDLE_INFORMATION, buffer, size, returned);
                if (status == STATUS_INFO_LENGTH_MISMATCH) {
                    size = Math.max(size * 2, returned.get(JAVA_INT, 0) + 4096);
                    continue;
                }
                if (status < 0) {
                    throw new AssertionError("NtQueryInformationProcess(ProcessHandleInformation): NTSTATUS 0x" + Integer.toHexString(status));
                }
                long handles = buffer.get(JAVA_LONG, 0);
                for (long i = 0; i < handles; i++) {
                    long entry = HEADER + i * ENTRY;
                    each.accept(buffer.get(JAVA_LONG, entry), buffer.get(JAVA_INT, entry + OFFSET_TYPE));
                }
                return;
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }
}
