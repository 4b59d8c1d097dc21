package dev.hoststack.daemon.internal;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the kernel says about TCP in the daemon's network namespace, from {@code /proc}: the
 * listening sockets on a port ({@code /proc/net/tcp}, {@code tcp6}: owner uid and inode) and the
 * counters of {@code /proc/net/netstat} that kernel dispatch is about. Never throws: what cannot be
 * read is absent. Stateless.
 */
final class ProcNet {

    private ProcNet() {
    }

    /** A listening socket: who owns it, and its inode. */
    record Listener(String local, int uid, long inode) {
    }

    /**
     * The listening sockets that would share connections with a socket bound to {@code address}:
     * same family and port, and the same address or either one the wildcard.
     */
    static List<Listener> listenersAt(InetSocketAddress address) {
        boolean v4 = address.getAddress() instanceof Inet4Address;
        List<Listener> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of(v4 ? "/proc/net/tcp" : "/proc/net/tcp6"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals("0A") || !f[0].endsWith(":")) {
                    continue;
                }
                int colon = f[1].indexOf(':');
                int port = Integer.parseInt(f[1].substring(colon + 1), 16);
                if (port != address.getPort()) {
                    continue;
                }
                byte[] a = decode(f[1].substring(0, colon));
                InetAddress local = InetAddress.getByAddress(a);
                if (!local.equals(address.getAddress()) && !local.isAnyLocalAddress() && !address.getAddress().isAnyLocalAddress()) {
                    continue;
                }
                out.add(new Listener(f[1], Integer.parseInt(f[7]), Long.parseLong(f[9])));
            }
        } catch (IOException | RuntimeException e) {
            return out;
        }
        return out;
    }

    /** The address of a {@code /proc/net/tcp} entry: 32-bit words in host (little-endian) order. */
    private static byte[] decode(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int w = 0; w < out.length / 4; w++) {
            for (int b = 0; b < 4; b++) {
                int at = w * 8 + (3 - b) * 2;
                out[w * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        return out;
    }

    /** The inode of the socket behind the daemon's descriptor {@code fd}, or -1. */
    static long inode(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            if (target.startsWith("socket:[")) {
                return Long.parseLong(target.substring(8, target.length() - 1));
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Listening sockets at {@code address} whose inode is none of {@code own}. */
    static List<Listener> foreign(InetSocketAddress address, Set<Long> own) {
        List<Listener> out = new ArrayList<>();
        for (Listener l : listenersAt(address)) {
            if (!own.contains(l.inode())) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * The kernel's TCP counters that kernel dispatch is about ({@code TcpExt} of
     * {@code /proc/net/netstat}, the daemon's network namespace, since boot): SYNs dropped for a
     * full accept queue ({@code ListenOverflows}, {@code ListenDrops}) and connections moved from a
     * closed listener to another of its group ({@code TCPMigrateReqSuccess}, {@code TCPMigrateReqFailure}).
     */
    static JsonObject netstat() {
        JsonObject o = new JsonObject();
        Map<String, Long> all = new HashMap<>();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                    String[] k = lines.get(i).split("\\s+");
                    String[] v = lines.get(i + 1).split("\\s+");
                    for (int j = 1; j < k.length && j < v.length; j++) {
                        all.put(k[j], Long.parseLong(v[j]));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return o;
        }
        for (String[] kv : new String[][] {{"ListenOverflows", "listen_overflows"}, {"ListenDrops", "listen_drops"},
            {"TCPMigrateReqSuccess", "migrate_req_success"}, {"TCPMigrateReqFailure", "migrate_req_failure"}}) {
            Long v = all.get(kv[0]);
            if (v != null) {
                o.addProperty(kv[1], v);
            }
        }
        return o;
    }
}
