package dev.hoststack.daemon.internal;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.PrintStream;

/**
 * Netty's logging for a daemon process: INFO and above written as plain lines to the daemon's
 * log, without time stamps, time zones or handlers to load lazily, and never throwing. Netty logs
 * through {@code java.util.logging} otherwise, and a record logged while descriptors are
 * exhausted failed to load the time-zone data behind its time stamp: the error reached Netty's
 * event loop from inside the log call and stopped the daemon's only thread.
 *
 * <p>Install it with {@link #install(PrintStream)} before Netty is first used (it applies to the
 * whole JVM; {@code DaemonMain} does it). Thread-safe.
 */
public final class NettyLog extends InternalLoggerFactory {

    private final PrintStream out;

    private NettyLog(PrintStream out) {
        this.out = out;
    }

    /** Makes Netty log to {@code out} from now on, in this whole JVM. */
    public static void install(PrintStream out) {
        InternalLoggerFactory.setDefaultFactory(new NettyLog(out));
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name, out);
    }

    private static final class Logger extends AbstractInternalLogger {
        private static final long serialVersionUID = 1L;
        private final transient PrintStream out;

        Logger(String name, PrintStream out) {
            super(name);
            this.out = out;
        }

        private void write(String level, String msg, Object last) {
            try {
                String line = "hoststack daemon: netty " + level + " " + name() + ": " + msg;
                if (last instanceof Throwable t) {
                    line += ": " + t;
                }
                out.println(line);
            } catch (Throwable ignored) {
                // a log line must never fail the caller
            }
        }

        /** Netty's "{}" placeholders filled in order; a trailing Throwable is printed by {@link #write}. */
        private static String format(String format, Object... args) {
            if (format == null) {
                return "null";
            }
            StringBuilder b = new StringBuilder(format.length() + 32);
            int from = 0;
            int i = 0;
            while (true) {
                int at = format.indexOf("{}", from);
                if (at < 0 || i >= args.length) {
                    b.append(format, from, format.length());
                    return b.toString();
                }
                b.append(format, from, at).append(args[i++]);
                from = at + 2;
            }
        }

        @Override
        public boolean isTraceEnabled() {
            return false;
        }
    
        @Override
        public void trace(String msg) {
            // off
        }
    
        @Override
        public void trace(String format, Object arg) {
            // off
        }
    
        @Override
        public void trace(String format, Object argA, Object argB) {
            // off
        }
    
        @Override
        public void trace(String format, Object... arguments) {
            // off
        }
    
        @Override
        public void trace(String msg, Throwable t) {
            // off
        }
    
        @Override
        public boolean isDebugEnabled() {
            return false;
        }
    
        @Override
        public void debug(String msg) {
            // off
        }
    
        @Override
        public void debug(String format, Object arg) {
            // off
        }
    
        @Override
        public void debug(String format, Object argA, Object argB) {
            // off
        }
    
        @Override
        public void debug(String format, Object... arguments) {
            // off
        }
    
        @Override
        public void debug(String msg, Throwable t) {
            // off
        }
    
        @Override
        public boolean isInfoEnabled() {
            return true;
        }
    
        @Override
        public void info(String msg) {
            write("INFO", msg, null);
        }
    
        @Override
        public void info(String format, Object arg) {
            write("INFO", format(format, arg), arg);
        }
    
        @Override
        public void info(String format, Object argA, Object argB) {
            write("INFO", format(format, argA, argB), argB);
        }
    
        @Override
        public void info(String format, Object... arguments) {
            write("INFO", format(format, arguments), arguments.length == 0 ? null : arguments[arguments.length - 1]);
        }
    
        @Override
        public void info(String msg, Throwable t) {
            write("INFO", msg, t);
        }
    
        @Override
        public boolean isWarnEnabled() {
            return true;
        }
    
        @Override
        public void warn(String msg) {
            write("WARN", msg, null);
        }
    
        @Override
        public void warn(String format, Object arg) {
            write("WARN", format(format, arg), arg);
        }
    
        @Override
        public void warn(String format, Object argA, Object argB) {
            write("WARN", format(format, argA, argB), argB);
        }
    
        @Override
        public void warn(String format, Object... arguments) {
            write("WARN", format(format, arguments), arguments.length == 0 ? null : arguments[arguments.length - 1]);
        }
    
        @Override
        public void warn(String msg, Throwable t) {
            write("WARN", msg, t);
        }
    
        @Override
        public boolean isErrorEnabled() {
            return true;
        }
    
        @Override
        public void error(String msg) {
            write("ERROR", msg, null);
        }
    
        @Override
        public void error(String format, Object arg) {
            write("ERROR", format(format, arg), arg);
        }
    
        @Override
        public void error(String format, Object argA, Object argB) {
            write("ERROR", format(format, argA, argB), argB);
        }
    
        @Override
        public void error(String format, Object... arguments) {
            write("ERROR", format(format, arguments), arguments.length == 0 ? null : arguments[arguments.length - 1]);
        }
    
        @Override
        public void error(String msg, Throwable t) {
            write("ERROR", msg, t);
        }
    }
}
