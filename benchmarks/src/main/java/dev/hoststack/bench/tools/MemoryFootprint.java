package dev.hoststack.bench.tools;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.hoststack.bench.support.FiveTuple4;
import dev.hoststack.bench.support.FiveTuple6;
import dev.hoststack.bench.support.HashVerifyMap;
import dev.hoststack.bench.support.Keys;
import dev.hoststack.session.table.SessionHashTable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.openjdk.jol.info.GraphLayout;

/**
 * Bytes per established session at {@code n} sessions (default 1,048,576): the project's table
 * beside the baselines, holding the same keys and values, measured two ways.
 *
 * <ul>
 *   <li><b>JOL</b> ({@code GraphLayout.parseInstance(structure).totalSize()}): every object
 *       reachable from the structure, with this JVM's real object layout (compressed oops, 12-byte
 *       headers). This is the figure reported.</li>
 *   <li><b>Heap delta</b>: used heap after a full GC with the structure alive, minus before it was
 *       built; a cross-check that JOL saw everything.</li>
 * </ul>
 * Every structure is built the way its benchmark builds it: the project's table as the session
 * layer builds it (initial 1024 entries, grown by doubling, so its load factor is whatever growth
 * left it at, reported too), {@code HashMap} default-constructed. ({@code ConcurrentHashMap} is left
 * out: its nodes have the same size as {@code HashMap}'s, and walking another 3 million objects
 * would add half a minute to the quick suite.)
 *
 * <p>Run it with {@code -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true} so that JOL
 * can size record instances on JDK 17.
 *
 * <p>Usage: {@code MemoryFootprint OUT.json [n]}.
 */
public final class MemoryFootprint {

    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private MemoryFootprint() {
    }

    /** Runs the measurement; writes {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "benchmarks/target/memory.json");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1 << 20;
        JsonArray rows = new JsonArray();
        for (String family : new String[] {"ip4", "ip6"}) {
            Keys keys = Keys.generate(family, n, 42);
            measure(rows, family, n, "hoststack", "SessionHashTable (primitive long[])",
                    () -> buildOurs(keys), o -> ((SessionHashTable) o).slots());
            measure(rows, family, n, "hashMap", "HashMap<" + (keys.ip4() ? "FiveTuple4" : "FiveTuple6") + ", Long>",
                    () -> fill(new HashMap<>(), keys), o -> -1);
            measure(rows, family, n, "eclipsePrimitive", "EC LongLongHashMap by hash + long[] entries",
                    () -> buildEclipse(keys), o -> -1);
            System.out.printf("memory: %s done%n", family);
        }
        JsonObject doc = new JsonObject();
        doc.addProperty("entries", n);
        doc.addProperty("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        doc.addProperty("maxHeapBytes", Runtime.getRuntime().maxMemory());
        doc.add("rows", rows);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, new GsonBuilder().setPrettyPrinting().create().toJson(doc));
        System.out.println("memory: wrote " + out);
    }

    /** How a measured structure reports its slot count (or -1). */
    private interface Slots {
        int of(Object structure);
    }

    private static void measure(JsonArray rows, String family, int n, String impl, String what, Supplier<Object> build,
                                Slots slots) {
        long before = usedAfterGc();
        Object s = build.get();
        long after = usedAfterGc();
        long jol = GraphLayout.parseInstance(s).totalSize();
        JsonObject row = new JsonObject();
        row.addProperty("family", family);
        row.addProperty("impl", impl);
        row.addProperty("structure", what);
        row.addProperty("jolBytes", jol);
        row.addProperty("heapDeltaBytes", after - before);
        row.addProperty("jolBytesPerEntry", (double) jol / n);
        row.addProperty("heapDeltaBytesPerEntry", (double) (after - before) / n);
        int sl = slots.of(s);
        if (sl > 0) {
            row.addProperty("slots", sl);
            row.addProperty("load", (double) n / sl);
        }
        rows.add(row);
        System.out.printf("memory: %-4s %-18s %8.1f B/entry (JOL), %8.1f B/entry (heap delta)%n", family, impl,
                (double) jol / n, (double) (after - before) / n);
        // keep s reachable until after both measurements
        if (s.hashCode() == 42) {
            System.out.print("");
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    private static SessionHashTable buildOurs(Keys keys) {
        SessionHashTable t = new SessionHashTable(keys.words(), 1024, Math.max(1 << 22, keys.size()));
        long[] key = new long[keys.words()];
        long[] all = keys.all();
        for (int i = 0; i < keys.size(); i++) {
            System.arraycopy(all, i * keys.words(), key, 0, keys.words());
            t.putIfAbsent(key, Keys.valueOf(i));
        }
        return t;
    }

    private static Map<Object, Long> fill(Map<Object, Long> map, Keys keys) {
        long[] all = keys.all();
        int w = keys.words();
        for (int i = 0; i < keys.size(); i++) {
            Object k = keys.ip4() ? FiveTuple4.ofKey(all[i * w], all[i * w + 1]) : FiveTuple6.ofKey(all, i * w);
            map.put(k, Keys.valueOf(i));
        }
        return map;
    }

    private static HashVerifyMap buildEclipse(Keys keys) {
        HashVerifyMap m = new HashVerifyMap(keys.words(), keys.size());
        long[] all = keys.all();
        for (int i = 0; i < keys.size(); i++) {
            m.put(all, i * keys.words(), Keys.valueOf(i));
        }
        return m;
    }
}
