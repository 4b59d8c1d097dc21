package dev.hoststack.api.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The contract test fails the selectors it exists to catch: one that throws on the SYN path, one
 * that allocates there, one that answers out of range, and one that answers against the view of
 * its last {@code membershipChanged} instead of the view it was given. Each is run through the
 * JUnit launcher against the contract's method that should catch it, and that method must fail
 * with a message naming the fault. (The bad contracts are static nested classes, which surefire
 * does not run on its own.)
 */
class ContractCatchesBadSelectorsTest {

    private static final String TEST_INFO = "org.junit.jupiter.api.TestInfo";

    @Test
    void aSelectorThatThrowsOnTheSynPathFails() {
        List<TestExecutionSummary.Failure> f = run(ThrowingContract.class, "ipv4SelectionsOnRandomGroupsAreValid");
        assertThat(messages(f)).as("failures of a selector dividing by workerCount() - 1").hasSize(1);
        assertThat(messages(f).get(0)).contains("select must not throw").contains("ArithmeticException");
    }

    @Test
    void aSelectorThatAllocatesOnTheSynPathFails() {
        List<TestExecutionSummary.Failure> f = run(AllocatingContract.class, "selectAndReselectAllocateNothing");
        assertThat(messages(f)).as("failures of a selector allocating an int[4] per select").hasSize(1);
        assertThat(messages(f).get(0)).contains("the SYN path must not allocate");
    }

    @Test
    void aSelectorAnsweringOutOfRangeFails() {
        List<TestExecutionSummary.Failure> f = run(OutOfRangeContract.class, "mixedSelectionsOnRandomGroupsAreValid");
        assertThat(messages(f)).as("failures of a selector answering workerCount()").hasSize(1);
        assertThat(messages(f).get(0)).contains("expected a slot in 0..").contains("invalid(slot=");
    }

    @Test
    void aSelectorAnsweringAgainstItsOwnCopyOfTheViewFails() {
        List<TestExecutionSummary.Failure> f = run(StaleViewContract.class, "selectionsOnTheViewBeforeAChangeStayValid");
        assertThat(messages(f)).as("failures of a selector that scales by the worker count of its last membershipChanged")
                .hasSize(1);
        assertThat(messages(f).get(0)).contains("expected a slot in 0..");
    }

    private static List<TestExecutionSummary.Failure> run(Class<?> contract, String method) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(contract.getName() + "#" + method + "(" + TEST_INFO + ")"))
                .build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        assertThat(summary.getTestsFoundCount()).as("tests found for %s#%s", contract.getSimpleName(), method).isEqualTo(1);
        return summary.getFailures();
    }

    private static List<String> messages(List<TestExecutionSummary.Failure> failures) {
        return failures.stream().map(f -> String.valueOf(f.getException().getMessage())).collect(Collectors.toList());
    }

    /** A provider for one bad selector. */
    private abstract static class BadProvider implements ReuseportSelectorProvider {
        @Override
        public String description() {
            return "a bad selector for the contract's own test";
        }
    }

    static final class ThrowingContract extends ReuseportSelectorContract {
        @Override
        protected ReuseportSelectorProvider provider() {
            return new BadProvider() {
                @Override
                public String name() {
                    return "throws";
                }

                @Override
                public ReuseportSelector create(SelectorContext context) {
                    // "one of the others": fine until a group has one worker
                    return (group, flow, thread) -> flow.remotePort() % (group.workerCount() - 1);
                }
            };
        }
    }

    static final class AllocatingContract extends ReuseportSelectorContract {
        @Override
        protected ReuseportSelectorProvider provider() {
            return new BadProvider() {
                @Override
                public String name() {
                    return "allocates";
                }

                @Override
                public ReuseportSelector create(SelectorContext context) {
                    return new ReuseportSelector() {
                        int[] last;

                        @Override
                        public int select(ReuseportGroupView group, FlowView flow, int thread) {
                            last = new int[] {flow.remotePort(), flow.localPort(), thread, group.workerCount()};
                            return Math.floorMod(last[0] + last[1], last[3]);
                        }
                    };
                }
            };
        }
    }

    static final class OutOfRangeContract extends ReuseportSelectorContract {
        @Override
        protected ReuseportSelectorProvider provider() {
            return new BadProvider() {
                @Override
                public String name() {
                    return "outofrange";
                }

                @Override
                public ReuseportSelector create(SelectorContext context) {
                    return (group, flow, thread) -> flow.remotePort() == 0xFFFF ? group.workerCount() : 0;
                }
            };
        }
    }

    static final class StaleViewContract extends ReuseportSelectorContract {
        @Override
        protected ReuseportSelectorProvider provider() {
            return new BadProvider() {
                @Override
                public String name() {
                    return "staleview";
                }

                @Override
                public ReuseportSelector create(SelectorContext context) {
                    return new ReuseportSelector() {
                        volatile int workers = 1;

                        @Override
                        public int select(ReuseportGroupView group, FlowView flow, int thread) {
                            return workers - 1;
                        }

                        @Override
                        public void membershipChanged(ReuseportGroupView group) {
                            workers = group.workerCount();
                        }
                    };
                }
            };
        }
    }
}
