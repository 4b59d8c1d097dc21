package dev.hoststack.cli.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hoststack.cli.scenario.ScenarioSyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The workload file: what it says, and a clear error for each mistake. */
class WorkloadTest {

    private static Workload parse(String... lines) throws ScenarioSyntaxException {
        return Workload.parse("w", "w.workload", List.of(lines));
    }

    @Test
    void theCommittedWorkloadsParse() throws Exception {
        Workload w = Workload.parse(Path.of("..", "docs", "selectors", "seed-slow-app3.workload"));
        assertThat(w.apps()).extracting(Workload.App::name).containsExactly("app1", "app2", "app3", "app4");
        assertThat(w.initialCapacity()).as("500 + 1000 + 500 connections/s").isCloseTo(2000, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(w.events()).extracting(Workload.Change::label).containsExactly("app4 joins at 40 %", "app2 leaves at 60 %");
        assertThat(w.events().get(0).atConnection()).isEqualTo(8000);
        assertThat(Workload.parse(Path.of("..", "docs", "selectors", "ten-members.workload")).apps()).hasSize(10);
    }

    @Test
    void serviceTimesHaveTheirMeans() throws Exception {
        Workload w = parse("rate 10", "app a workers 2 service pareto 4ms 2.5", "worker a 1 service uniform 1ms 3ms",
                "app b workers 1 service fixed 300us");
        ServiceTime pareto = w.apps().get(0).workers().get(0);
        ServiceTime uniform = w.apps().get(0).workers().get(1);
        double sum = 0;
        int n = 200_000;
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            sum += pareto.sample(r.nextDouble());
        }
        assertThat(sum / n / 1e6).as("pareto's sample mean, ms").isBetween(3.8, 4.2);
        assertThat(uniform.meanNanos()).isEqualTo(2e6);
        assertThat(w.apps().get(1).workers().get(0).sample(0.7)).isEqualTo(300_000);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "app a workers 1 service exp 2ms                      | no 'rate N'",
        "rate 10;app a workers 0 service exp 2ms             | workers 0 is not in 1..64",
        "rate 10;app a workers 1 service gauss 2ms           | unknown distribution 'gauss'",
        "rate 10;app a workers 1 service exp 2ms join 40%    | no application listens from the start",
        "rate 10;app a workers 1 service exp 2ms;leave a 30%  | after a leaves at 30 % no application listens",
        "rate 10;app a workers 1 service exp 2ms;weight b 2   | no application 'b' declared before this line (known: a)",
        "rate 10;app a workers 1 service exp 2ms;weight a 300 | a weight 300 is not in 1..256",
        "rate 10;app a workers 1 service exp 2ms;app a workers 1 service exp 1ms | application 'a' is already declared (line 2)",
        "rate 10;app a workers 1 service exp 2ms;worker a 1 service exp 1ms | worker 1: the application has workers 0..0",
        "rate 10;app a workers 1 service exp 2ms;leave a 40   | expected a share of the connections with '%'",
        "rate 10;app a workers 1 service uniform 3ms 1ms      | uniform: the upper bound is below the lower one",
        "rate 10;app a workers 1 service exp 2ms;app b workers 1 service exp 2ms join 50%;leave b 40% | leaves at 40 %, not after it joins at 50 %",
        "rate 10;speed 3                                      | unknown command 'speed'",
    })
    void mistakesNameTheLineAndWhatWasExpected(String text, String expected) {
        assertThatThrownBy(() -> parse(text.strip().split(";"))).isInstanceOf(ScenarioSyntaxException.class)
                .hasMessageStartingWith("w.workload:").hasMessageContaining(expected);
    }
}
