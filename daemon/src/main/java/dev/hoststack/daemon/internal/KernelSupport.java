package dev.hoststack.daemon.internal;

import dev.hoststack.daemon.DaemonConfig;
import dev.hoststack.reuseport.bpf.KernelDispatchProbe;

/**
 * Whether this daemon hands reuseport groups to the kernel, decided once at start from
 * {@code --dispatch} and {@link KernelDispatchProbe} (which does for real what a group needs, on a
 * throw-away loopback socket, loading every program the daemon's groups load, as they load it).
 *
 * <p>A program the kernel refuses ({@code VERIFIER_REJECTED}: an old kernel, say) makes the line
 * carry the verifier's log, errno and what to do, then the program's listing; {@link #summary()}
 * is the same cut to a size that fits in {@code show} and listen replies.
 *
 * @param available whether kernel groups are made
 * @param line      the one log line saying which dispatch and why
 */
record KernelSupport(boolean available, String line) {

    /**
     * Decides: {@code handoff} never probes; {@code auto} probes and takes the hand-off path when
     * the probe fails; {@code kernel} probes and refuses to start when it fails.
     *
     * @throws IllegalStateException for {@code kernel} when the kernel cannot, with the probe's reason
     */
    static KernelSupport decide(DaemonConfig.Dispatch mode) {
        if (mode == DaemonConfig.Dispatch.HANDOFF) {
            return new KernelSupport(false, "dispatch: handoff (--dispatch handoff): the daemon accepts every connection and"
                    + " hands it to the selector's worker");
        }
        // the programs as the groups load them (SELECT_OR_MIGRATE): a kernel that refuses one is found here, once
        KernelDispatchProbe.Result r = KernelDispatchProbe.probe(true);
        if (r.available()) {
            return new KernelSupport(true, "dispatch: kernel (--dispatch " + mode.name().toLowerCase(java.util.Locale.ROOT)
                    + ", the probe passed): a reuseport group whose selector can be written as data gets an SK_REUSEPORT program,"
                    + " and each of its workers accepts on a listening socket of its own; other groups and plain listens"
                    + " are handed off");
        }
        // a reason of several lines (a verifier's log and the program's listing follow its first): the first line
        // ends with what to do, the rest follows
        int nl = r.reason().indexOf('\n');
        String first = nl < 0 ? r.reason() : r.reason().substring(0, nl);
        String rest = nl < 0 ? "" : r.reason().substring(nl);
        if (mode == DaemonConfig.Dispatch.KERNEL) {
            throw new IllegalStateException("--dispatch kernel: the kernel cannot run reuseport programs for this daemon ("
                    + r.code() + "): " + first + " Use --dispatch auto or handoff to run without it." + rest);
        }
        return new KernelSupport(false, "dispatch: handoff (--dispatch auto: kernel dispatch is unavailable, " + r.code() + ": "
                + first + ")" + rest);
    }

    /** Characters of {@link #line} that {@link #summary()} keeps. */
    static final int SUMMARY_CHARS = 2_000;

    /**
     * {@link #line}, cut after {@value #SUMMARY_CHARS} characters (a verifier log can run to a
     * megabyte) with a note saying where the rest is: for {@code show} and listen replies.
     */
    String summary() {
        if (line.length() <= SUMMARY_CHARS) {
            return line;
        }
        return line.substring(0, SUMMARY_CHARS) + " ... (" + (line.length() - SUMMARY_CHARS) + " more characters: the"
                + " daemon's log at start has the whole message)";
    }
}
