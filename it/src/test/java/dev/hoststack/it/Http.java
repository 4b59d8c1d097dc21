package dev.hoststack.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP/1.0 client for the sample worker's answer ({@code app=A worker=W pid=P via=daemon}):
 * one connection, one request, and what became of it.
 */
final class Http {

    /** What became of one connection. */
    enum Outcome {
        /** The worker's answer arrived. */
        ANSWERED,
        /** Nothing listened: the kernel refused the connection (RST to the SYN). */
        REFUSED,
        /** Connected, then reset before an answer. */
        RESET,
        /** Connected, then closed without an answer. */
        CLOSED,
        /** No answer in time. */
        TIMEOUT,
        /** Anything else (the message says). */
        OTHER
    }

    /**
     * One connection's result.
     *
     * @param outcome   what became of it
     * @param body      the answer's body line, or null
     * @param localPort the client's (source) port, or -1 if it did not connect
     * @param endNanos  when it ended ({@link System#nanoTime()})
     * @param error     the exception's text, or null
     */
    record Result(Outcome outcome, String body, int localPort, long endNanos, String error) {

        /** {@code APP-wW} of the answer, or null. */
        String label() {
            return body == null ? null : Running.field(body, "app") + "-w" + Running.field(body, "worker");
        }

        /** The application that answered, or null. */
        String app() {
            return body == null ? null : Running.field(body, "app");
        }
    }

    private Http() {
    }

    /** Connects to 127.0.0.1:{@code port}, sends {@code GET /}, reads the answer; never throws. */
    static Result get(int port, int timeoutMs) {
        Socket s = new Socket();
        int local = -1;
        try (s) {
            s.setSoTimeout(timeoutMs);
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
            local = s.getLocalPort();
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[512];
            int n;
            while ((n = in.read(buf)) > 0) {
                b.write(buf, 0, n);
            }
            s.setSoLinger(true, 0); // both sides are done: leave no TIME_WAIT behind thousands of connections
            String text = b.toString(StandardCharsets.US_ASCII);
            int body = text.indexOf("\r\n\r\n");
            if (body < 0) {
                return new Result(Outcome.CLOSED, null, local, System.nanoTime(), "closed after " + b.size() + " bytes");
            }
            return new Result(Outcome.ANSWERED, text.substring(body + 4).trim(), local, System.nanoTime(), null);
        } catch (ConnectException e) {
            return new Result(Outcome.REFUSED, null, local, System.nanoTime(), e.toString());
        } catch (SocketTimeoutException e) {
            return new Result(Outcome.TIMEOUT, null, local, System.nanoTime(), e.toString());
        } catch (SocketException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            Outcome o = local >= 0 && m.contains("reset") ? Outcome.RESET : Outcome.OTHER;
            return new Result(o, null, local, System.nanoTime(), e.toString());
        } catch (IOException e) {
            return new Result(Outcome.OTHER, null, local, System.nanoTime(), e.toString());
        }
    }
}
