package dev.rawpoll.windows;

import java.util.Map;

/**
 * The names and short texts of the WSAGetLastError codes the sockets can meet, for {@link
 * dev.rawpoll.SystemCallException}s: {@code recv(fd=316): WSAECONNRESET (Connection reset by
 * peer)}. The numbers are winsock.h's (mingw-w64's psdk_inc/_wsa_errnos.h); the texts are the titles
 * of Microsoft's "Windows Sockets Error Codes" page. Any other code is reported by number.
 */
final class WinsockErrors {
    private record Entry(String name, String text) {}

    private static final Map<Integer, Entry> ERRORS = Map.ofEntries(
            e(10004, "WSAEINTR", "Interrupted function call"),
            e(10009, "WSAEBADF", "File handle is not valid"),
            e(10013, "WSAEACCES", "Permission denied"),
            e(10014, "WSAEFAULT", "Bad address"),
            e(10022, "WSAEINVAL", "Invalid argument"),
            e(10024, "WSAEMFILE", "Too many open files"),
            e(10035, "WSAEWOULDBLOCK", "Resource temporarily unavailable"),
            e(10036, "WSAEINPROGRESS", "Operation now in progress"),
            e(10037, "WSAEALREADY", "Operation already in progress"),
            e(10038, "WSAENOTSOCK", "Socket operation on nonsocket"),
            e(10040, "WSAEMSGSIZE", "Message too long"),
            e(10042, "WSAENOPROTOOPT", "Bad protocol option"),
            e(10045, "WSAEOPNOTSUPP", "Operation not supported"),
            e(10047, "WSAEAFNOSUPPORT", "Address family not supported by protocol family"),
            e(10048, "WSAEADDRINUSE", "Address already in use"),
            e(10049, "WSAEADDRNOTAVAIL", "Cannot assign requested address"),
            e(10050, "WSAENETDOWN", "Network is down"),
            e(10051, "WSAENETUNREACH", "Network is unreachable"),
            e(10052, "WSAENETRESET", "Network dropped connection on reset"),
            e(10053, "WSAECONNABORTED", "Software caused connection abort"),
            e(10054, "WSAECONNRESET", "Connection reset by peer"),
            e(10055, "WSAENOBUFS", "No buffer space available"),
            e(10056, "WSAEISCONN", "Socket is already connected"),
            e(10057, "WSAENOTCONN", "Socket is not connected"),
            e(10058, "WSAESHUTDOWN", "Cannot send after socket shutdown"),
            e(10060, "WSAETIMEDOUT", "Connection timed out"),
            e(10061, "WSAECONNREFUSED", "Connection refused"),
            e(10065, "WSAEHOSTUNREACH", "No route to host"),
            e(10093, "WSANOTINITIALISED", "Successful WSAStartup not yet performed"));

    private WinsockErrors() {}

    private static Map.Entry<Integer, Entry> e(int code, String name, String text) {
        return Map.entry(code, new Entry(name, text));
    }

    /** {@code WSAECONNRESET}, or {@code "error N"}. */
    static String name(int code) {
        Entry e = ERRORS.get(code);
        return e == null ? "error " + code : e.name();
    }

    /** {@code Connection reset by peer}, or {@code "unknown error"}. */
    static String description(int code) {
        Entry e = ERRORS.get(code);
        return e == null ? "unknown error" : e.text();
    }

    /** The codes with names, for the test that checks them against winsock.h. */
    static Map<Integer, String> names() {
        Map<Integer, String> m = new java.util.TreeMap<>();
        ERRORS.forEach((code, e) -> m.put(code, e.name()));
        return m;
    }
}
