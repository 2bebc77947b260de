package dev.rawpoll.demo;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The options of one {@code ./rawpoll} command, checked before any work starts: an unknown option,
 * a missing or malformed value is one line on stderr naming the option and what is allowed, and
 * exit status 2 ({@link #exit}); {@code --help} prints the usage and exits 0.
 */
final class CommandLine {
    /** A bad command line (its one-line message), or {@code --help} (no message). */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private final String command;
    private final String usage;
    private final Map<String, String> values = new LinkedHashMap<>();

    private CommandLine(String command, String usage) {
        this.command = command;
        this.usage = usage;
    }

    /**
     * Reads {@code args} as {@code --name value} pairs whose names are {@code options}.
     *
     * @throws UsageException for {@code --help}/{@code -h} (with no message), an unknown option or
     *     a missing value; hand it to {@link #exit}
     */
    static CommandLine read(String command, String usage, String[] args, String... options) throws UsageException {
        CommandLine line = new CommandLine(command, usage);
        line.read(args, options);
        return line;
    }

    private void read(String[] args, String[] options) throws UsageException {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--help") || name.equals("-h")) {
                throw new UsageException(null);
            }
            if (!java.util.List.of(options).contains(name)) {
                throw fail("unknown option '" + name + "' (" + usage + ")");
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw fail(name + " needs a value (" + usage + ")");
            }
            values.put(name, args[++i]);
        }
    }

    /** An integer option in {@code [min, max]}, or {@code fallback} when it is absent. */
    int integer(String name, int fallback, int min, int max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw fail(name + " must be an integer from " + min + " to " + max + ", not '" + v + "'");
    }

    /** A decimal option greater than 0 and at most {@code max}, or {@code fallback} when absent. */
    double positive(String name, double fallback, double max) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            double d = Double.parseDouble(v.strip());
            if (d > 0 && d <= max) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw fail(name + " must be a number greater than 0 and at most " + fmt(max) + ", not '" + v + "'");
    }

    /** A file to write, whose directory exists, or {@code fallback} when absent. */
    Path outputFile(String name, Path fallback) throws UsageException {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        Path file = Path.of(v).toAbsolutePath();
        Path dir = file.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw fail(name + " names a file in a directory that does not exist: " + dir);
        }
        if (Files.isDirectory(file)) {
            throw fail(name + " names a directory, not a file: " + file);
        }
        return file;
    }

    /** A host given as an IP literal or a name, resolved now, or {@code fallback} when absent. */
    InetAddress host(String name, String fallback) throws UsageException {
        String v = values.getOrDefault(name, fallback);
        try {
            return InetAddress.getByName(v);
        } catch (java.net.UnknownHostException e) {
            throw fail(name + " is not an address or a known host name: '" + v + "'");
        }
    }

    /**
     * Ends the JVM for {@code e}: the usage on stdout and status 0 for {@code --help}, else its one
     * line on stderr and status 2.
     */
    static void exit(UsageException e, String usage) {
        if (e.getMessage() == null) {
            System.out.println(usage);
            System.exit(0);
        }
        System.err.println(e.getMessage());
        System.exit(2);
    }

    /** Reports a bad command line, for checks made after parsing. */
    UsageException fail(String message) {
        return new UsageException("rawpoll " + command + ": " + message);
    }

    /** {@code host:port}, with an IPv6 host in its short form and in brackets ({@code [::1]:7007}). */
    static String hostPort(InetSocketAddress address) {
        String host = host(address);
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The address as one types it: dotted IPv4, or IPv6 in the RFC 5952 short form ({@code ::1}). */
    static String host(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (!(a instanceof java.net.Inet6Address)) {
            return a != null ? a.getHostAddress() : address.getHostString();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xFF) << 8 | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1, bestLength = 1; // RFC 5952: the longest run of two or more zero groups, the first on a tie
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.format(Locale.ROOT, "%s", d);
    }
}
