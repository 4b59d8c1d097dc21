package dev.hoststack.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts connections per application and per worker and prints them with their shares, optionally
 * beside other columns (another selector, the real kernel) for the same layout.
 */
public final class DispatchTable {

    private final Map<String, Map<Integer, Long>> counts = new TreeMap<>();
    private long total;

    /** Counts one connection for app's worker. */
    public void add(String app, int worker) {
        counts.computeIfAbsent(app, a -> new TreeMap<>()).merge(worker, 1L, Long::sum);
        total++;
    }

    /** Makes sure a worker appears, even with no connection. */
    public void declare(String app, int worker) {
        counts.computeIfAbsent(app, a -> new TreeMap<>()).putIfAbsent(worker, 0L);
    }

    /** Connections counted. */
    public long total() {
        return total;
    }

    /** Connections of one application. */
    public long app(String app) {
        return counts.getOrDefault(app, Map.of()).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Connections of one worker. */
    public long worker(String app, int worker) {
        return counts.getOrDefault(app, Map.of()).getOrDefault(worker, 0L);
    }

    /** The applications and their workers, sorted. */
    public Map<String, Map<Integer, Long>> counts() {
        return counts;
    }

    /**
     * Prints rows per application and per worker, one column per table (all with the same layout
     * as the first), each as count and share.
     */
    public static void print(PrintStream out, Map<String, DispatchTable> columns) {
        DispatchTable layout = columns.values().iterator().next();
        StringBuilder header = new StringBuilder(String.format("  %-12s", ""));
        for (String name : columns.keySet()) {
            header.append(String.format("  %22s", name));
        }
        out.println(header);
        for (Map.Entry<String, Map<Integer, Long>> app : layout.counts.entrySet()) {
            StringBuilder row = new StringBuilder(String.format("  %-12s", app.getKey()));
            for (DispatchTable t : columns.values()) {
                row.append(cell(t.app(app.getKey()), t.total));
            }
            out.println(row);
            for (Integer w : app.getValue().keySet()) {
                StringBuilder wr = new StringBuilder(String.format("    %-10s", "w" + w));
                for (DispatchTable t : columns.values()) {
                    wr.append(cell(t.worker(app.getKey(), w), t.total));
                }
                out.println(wr);
            }
        }
        StringBuilder totals = new StringBuilder(String.format("  %-12s", "total"));
        for (DispatchTable t : columns.values()) {
            totals.append(cell(t.total, t.total));
        }
        out.println(totals);
    }

    /**
     * Prints rows per application and per worker, one narrow column per table (all with the same
     * layout as the first), each as a share; the last row gives each column's count.
     */
    public static void printShares(PrintStream out, Map<String, DispatchTable> columns) {
        DispatchTable layout = columns.values().iterator().next();
        StringBuilder header = new StringBuilder(String.format("  %-8s", ""));
        int[] widths = new int[columns.size()];
        int i = 0;
        for (String name : columns.keySet()) {
            widths[i] = Math.max(8, name.length() + 1);
            header.append(String.format("%" + widths[i++] + "s", name));
        }
        out.println(header);
        for (Map.Entry<String, Map<Integer, Long>> app : layout.counts.entrySet()) {
            StringBuilder row = new StringBuilder(String.format("  %-8s", app.getKey()));
            i = 0;
            for (DispatchTable t : columns.values()) {
                row.append(share(widths[i++], t.app(app.getKey()), t.total));
            }
            out.println(row);
            for (Integer w : app.getValue().keySet()) {
                StringBuilder wr = new StringBuilder(String.format("    %-6s", "w" + w));
                i = 0;
                for (DispatchTable t : columns.values()) {
                    wr.append(share(widths[i++], t.worker(app.getKey(), w), t.total));
                }
                out.println(wr);
            }
        }
        StringBuilder totals = new StringBuilder(String.format("  %-8s", "count"));
        i = 0;
        for (DispatchTable t : columns.values()) {
            totals.append(String.format("%" + widths[i++] + "d", t.total));
        }
        out.println(totals);
    }

    private static String share(int width, long n, long total) {
        return String.format("%" + (width - 2) + ".1f %%", total == 0 ? 0.0 : 100.0 * n / total);
    }

    private static String cell(long n, long total) {
        return String.format("  %12d %7.2f %%", n, total == 0 ? 0.0 : 100.0 * n / total);
    }

    /** A single-column print. */
    public void print(PrintStream out, String name) {
        Map<String, DispatchTable> one = new LinkedHashMap<>();
        one.put(name, this);
        print(out, one);
    }
}
