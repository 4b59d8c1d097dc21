package dev.hoststack.cli;

import dev.hoststack.api.Endpoint;
import dev.hoststack.api.TransportProto;
import dev.hoststack.api.spi.ReuseportSelectorProvider;
import dev.hoststack.client.AttachSpec;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.TreeSet;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/**
 * The command line's checks of option values, each failing with a {@link ParameterException} whose
 * one-line message names the option and what to fix ({@link Main} prints it and exits with
 * {@link Main#USAGE}); the number formats the commands share with scenario files; and one-line
 * descriptions of file errors.
 */
final class CliChecks {

    /** The control socket's file name in a daemon's control directory. */
    static final String SOCKET_NAME = AttachSpec.SOCKET_NAME;

    private CliChecks() {
    }

    /** A usage error of {@code spec}'s command. */
    static ParameterException usage(CommandSpec spec, String format, Object... args) {
        return new ParameterException(spec.commandLine(), String.format(format, args));
    }

    /** Fails unless {@code min <= value <= max}. */
    static void range(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw usage(spec, "%s must be %s, not %d", option,
                    max == Integer.MAX_VALUE || max == Long.MAX_VALUE ? "at least " + min : "in " + min + ".." + max, value);
        }
    }

    // ---------------------------------------------------------------- numbers (as scenario files write them)

    /**
     * A 32-bit secret as scenario files take it: decimal -2147483648..4294967295, or {@code 0x}
     * and up to 8 hex digits; the bits as an int.
     *
     * @throws IllegalArgumentException naming the forms accepted
     */
    static int secret32(String text) {
        long v;
        try {
            v = isHex(text) ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            v = Long.MAX_VALUE;
        }
        if (isHex(text) && v < 0) {
            v = Long.MAX_VALUE; // more than 16 hex digits' worth: out of range below
        }
        if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a 32-bit number (decimal -2147483648..4294967295, or 0x and up to 8 hex digits, e.g. 0x5eed)");
        }
        return (int) v;
    }

    /**
     * A 64-bit secret as scenario files take it: signed decimal, or {@code 0x} and up to 16 hex digits.
     *
     * @throws IllegalArgumentException naming the forms accepted
     */
    static long secret64(String text) {
        try {
            return isHex(text) ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text
                    + "' is not a 64-bit number (decimal, or 0x and up to 16 hex digits, e.g. 0x5eed)", e);
        }
    }

    private static boolean isHex(String text) {
        return text.startsWith("0x") || text.startsWith("0X");
    }

    /** Picocli's converter for {@link #secret32}. */
    static final class Secret32 implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                return secret32(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli's converter for {@link #secret64}. */
    static final class Secret64 implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return secret64(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Picocli's converter for permission bits: octal 0..0777. */
    static final class OctalMode implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int mode;
            try {
                mode = Integer.parseInt(value, 8);
            } catch (NumberFormatException e) {
                mode = -1;
            }
            if (mode < 0 || mode > 0777) {
                throw new TypeConversionException("'" + value + "' is not permission bits in octal, 0 to 0777 (e.g. 0660:"
                        + " read and write for the daemon's user and group; 0666: for everyone)");
            }
            return mode;
        }
    }

    // ---------------------------------------------------------------- selectors, URIs

    /** The names of the selectors {@link ServiceLoader} finds on this class path, sorted. */
    static TreeSet<String> knownSelectors() {
        TreeSet<String> names = new TreeSet<>();
        for (ReuseportSelectorProvider p : ServiceLoader.load(ReuseportSelectorProvider.class, Plugins.loader())) {
            names.add(p.name());
        }
        return names;
    }

    /** Fails unless a selector of that name is installed (built in, or from a plug-in). */
    static void knownSelector(CommandSpec spec, String option, String name) {
        TreeSet<String> known = knownSelectors();
        if (!known.contains(name)) {
            throw usage(spec, "%s: no selector named '%s' (known: %s; a selector of your own: hoststack --plugins JAR"
                    + " before the command, or HOSTSTACK_PLUGINS)", option, name, String.join(", ", known));
        }
    }

    /** Fails unless {@code uri} is a TCP URI the daemon can listen on. */
    static Endpoint tcpUri(CommandSpec spec, String option, String uri) {
        Endpoint e;
        try {
            e = Endpoint.parseUri(uri);
        } catch (IllegalArgumentException ex) {
            throw usage(spec, "%s %s", option, Main.oneLine(ex.getMessage()));
        }
        if (e.proto() != TransportProto.TCP) {
            throw usage(spec, "%s '%s': the daemon serves TCP only, e.g. tcp://127.0.0.1/8080", option, uri);
        }
        return e;
    }

    // ---------------------------------------------------------------- files and directories

    /**
     * Fails when {@code dir}, given as a daemon's control directory, exists and is not a
     * directory; when it is the control socket itself, the message says which directory to give.
     */
    static void controlDirectory(CommandSpec spec, Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            if (dir.getFileName() != null && dir.getFileName().toString().equals(SOCKET_NAME) || isSocket(dir)) {
                Path parent = dir.toAbsolutePath().getParent();
                throw usage(spec, "--control takes the daemon's control directory, not its socket: --control %s", parent);
            }
            throw usage(spec, "--control %s is a file, not a directory (the control directory holds %s)", dir, SOCKET_NAME);
        }
    }

    private static boolean isSocket(Path p) {
        try {
            return !Files.isRegularFile(p) && !Files.isDirectory(p) && !Files.isSymbolicLink(p) && Files.exists(p);
        } catch (SecurityException e) {
            return false;
        }
    }

    /**
     * Fails unless {@code file} can be written: an existing regular file that is writable, or a
     * new file in an existing, writable directory. Checked before a long run, not after it.
     */
    static void writableFile(CommandSpec spec, String option, Path file) {
        Path abs = file.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw usage(spec, "%s %s is a directory; give a file", option, file);
        }
        if (Files.exists(abs)) {
            if (!Files.isWritable(abs)) {
                throw usage(spec, "%s %s cannot be written (permission denied)", option, file);
            }
            return;
        }
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw usage(spec, "%s %s: the directory %s does not exist", option, file, dir);
        }
        if (!Files.isWritable(dir)) {
            throw usage(spec, "%s %s: the directory %s cannot be written (permission denied)", option, file, dir);
        }
    }

    /**
     * Fails unless {@code file} is a regular file this process can read; the message is
     * {@code FILE: why}.
     */
    static void readableFile(CommandSpec spec, Path file, String what) {
        if (!Files.exists(file)) {
            throw usage(spec, "%s: no such file", file);
        }
        if (Files.isDirectory(file)) {
            throw usage(spec, "%s: is a directory, not %s", file, what);
        }
        if (!Files.isReadable(file)) {
            throw usage(spec, "%s: cannot be read (permission denied)", file);
        }
    }

    /** Why a file could not be read, in words: {@code no such file}, {@code not UTF-8 text}, .... */
    static String why(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "cannot be read (permission denied)";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : Main.oneLine(e.getMessage());
    }
}
