package dev.hoststack.reuseport.bpf;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Finds out whether this process can run kernel dispatch, and if not, why: a daemon calls
 * {@link #probe()} once at start-up and logs the answer.
 *
 * <p>The probe does for real what a group needs, on a throw-away loopback socket: creates the
 * maps, loads the sequence program (fetch-add atomics, a map of maps), puts the socket in the
 * socket array and attaches the program ({@link #probe(boolean)}: and loads the other programs a
 * daemon's groups use); then closes everything. A program the verifier refuses gives
 * {@code VERIFIER_REJECTED} with the verifier's log and what to do. Safe from any thread; takes a
 * few milliseconds.
 */
public final class KernelDispatchProbe {

    /** The probe's answer. {@code reason} is empty when {@code available}, else one line saying why not and what to do. */
    public record Result(boolean available, KernelDispatchException.Code code, String reason) {
    }

    private KernelDispatchProbe() {
    }

    /** Probes kernel dispatch with the sequence program loaded for plain selection; never throws. */
    public static Result probe() {
        return probe(false);
    }

    /**
     * Probes kernel dispatch as a daemon will use it; never throws. Beyond {@link #probe()}, loads
     * every shipped program (sequence, lookup table, and with {@code migrate} the kernel-hash one)
     * with the attach type a group of the daemon gets ({@code SELECT_OR_MIGRATE} when
     * {@code migrate}, which needs Linux 5.14), so that a kernel that would refuse any of them is
     * found once, at start, rather than at each group.
     *
     * @param migrate whether the daemon's groups load their programs as {@code SELECT_OR_MIGRATE}
     */
    public static Result probe(boolean migrate) {
        String os = System.getProperty("os.name", "") + "/" + System.getProperty("os.arch", "");
        if (!os.startsWith("Linux/") || !(os.endsWith("amd64") || os.endsWith("x86_64"))) {
            return new Result(false, KernelDispatchException.Code.UNSUPPORTED, "kernel dispatch needs Linux on x86-64, this is " + os);
        }
        int fd = -1;
        DispatchLimits small = new DispatchLimits(4, 2, 4, 4);
        try (KernelDispatch d = KernelDispatch.create(KernelDispatch.Kind.SEQUENCE, small, migrate)) {
            fd = ReuseportSockets.openListener(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            int slot = d.addSocket(fd);
            d.publish(SequenceTable.roundRobin(new int[] {slot}));
            d.attach(fd);
            if (migrate) {
                for (KernelDispatch.Kind other : new KernelDispatch.Kind[] {KernelDispatch.Kind.LOOKUP_TABLE,
                        KernelDispatch.Kind.KERNEL_HASH}) {
                    KernelDispatch.create(other, small, true).close();
                }
            }
            return new Result(true, null, "");
        } catch (KernelDispatchException e) {
            return new Result(false, e.code(), e.getMessage());
        } catch (LinkageError e) {
            return new Result(false, KernelDispatchException.Code.UNSUPPORTED, "the native bridge (JNA) could not load: " + e);
        } finally {
            if (fd >= 0) {
                ReuseportSockets.close(fd);
            }
        }
    }

    /**
     * Prints the probe's answer: {@code kernel dispatch: available} and exit status 0, or
     * {@code kernel dispatch: unavailable (CODE): reason} and exit status 2.
     */
    public static void main(String[] args) {
        Result r = probe();
        if (r.available()) {
            System.out.println("kernel dispatch: available");
        } else {
            System.out.println("kernel dispatch: unavailable (" + r.code() + "): " + r.reason());
            System.exit(2);
        }
    }
}
