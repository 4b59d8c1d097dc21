package dev.hoststack.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A tiny HTTP/1.0 client: one connection, one request, the body's last line or null. */
final class Http {

    private Http() {
    }

    /** How a connection ended. */
    enum Outcome { ANSWERED, REFUSED, FAILED }

    /** The response body, or null with how it failed: refused (nothing listens: RST to the SYN), or another failure. */
    record Result(Outcome outcome, String body) {
    }

    /** The response body (the line naming app, worker, pid), or null if the connection ended without one. */
    static String get(int port, int timeoutMs) {
        Result r = attempt(port, timeoutMs);
        return r.body();
    }

    /** One request: the body, or how it failed. */
    static Result attempt(int port, int timeoutMs) {
        try (Socket s = new Socket()) {
            s.setSoTimeout(timeoutMs);
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
            } catch (java.net.ConnectException e) {
                return new Result(Outcome.REFUSED, null);
            }
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
            }
            s.setSoLinger(true, 0); // both sides are done: no TIME_WAIT left behind by thousands of runs
            String text = b.toString(StandardCharsets.US_ASCII);
            int body = text.indexOf("\r\n\r\n");
            String found = body < 0 ? null : text.substring(body + 4).trim();
            return found == null || found.isEmpty() ? new Result(Outcome.FAILED, null) : new Result(Outcome.ANSWERED, found);
        } catch (IOException e) {
            return new Result(Outcome.FAILED, null);
        }
    }

    /** {@code app-wN} from a body line, or null. */
    static String label(String body) {
        if (body == null) {
            return null;
        }
        return Proc.field(body, "app") + "-w" + Proc.field(body, "worker");
    }

    /** The port of a {@code tcp://a/p} URI. */
    static int port(String uri) {
        return Integer.parseInt(uri.substring(uri.lastIndexOf('/') + 1));
    }
}
