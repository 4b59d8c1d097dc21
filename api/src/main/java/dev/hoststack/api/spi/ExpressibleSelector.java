package dev.hoststack.api.spi;

/**
 * Optional for a {@link ReuseportSelector}: its policy can be written down as data
 * ({@link SelectionData}) that another engine runs without calling it — the kernel's
 * {@code SK_REUSEPORT} program, when {@code hoststack daemon --dispatch kernel} hands a group's
 * selection to the kernel ({@code docs/kernel-dispatch.md}). A selector that does not implement it
 * (a policy that needs Java on the SYN path: load-aware choices, a random draw) keeps its groups on
 * the daemon's hand-off path; the daemon logs so once per group.
 *
 * <p>The data must give the same shares as {@link ReuseportSelector#select} (the same order,
 * where the policy has one); where the engine's order cannot match exactly (its own hash, say),
 * say so in the selector's documentation.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Called on the control thread, after {@link ReuseportSelector#membershipChanged} with the
 *       same view, and again after every later change; it may allocate and take its time (a
 *       Maglev table of 65,537 entries is a few milliseconds).</li>
 *   <li>Returns data for {@code group}: member positions below {@code memberCount()}, slots below
 *       {@code workerCount()} ({@link SelectionData#check}); or null when this view cannot be
 *       written down (the group then goes on with the data it had, and the runtime logs why).</li>
 *   <li>Keeps one shape ({@link SelectionData.Sequence}, {@link SelectionData.Lookup} or
 *       {@link SelectionData.KernelHash}) for a group's whole life: an engine builds its program
 *       for the first shape it sees.</li>
 * </ul>
 */
public interface ExpressibleSelector {

    /**
     * The policy for {@code group} as data, or null when it cannot be written down for this view.
     *
     * @param group the group's current view
     */
    SelectionData selectionData(ReuseportGroupView group);
}
