package dev.dash.chaos;

import static org.assertj.core.api.Assertions.assertThat;

/** What every fault run must show. */
final class ChaosAssertions {
    private ChaosAssertions() {}

    static void assertClean(ChaosRun.Report r) {
        for (ChaosRun.FaultResult f : r.faults()) {
            assertThat(f.reconciled()).as("%s reconciled", f.fault()).isNotNull();
            assertThat(f.reconciled().missing())
                    .as("%s: %s", f.fault(), f.reconciled().describe())
                    .isZero();
            assertThat(f.reconciled().bronzeDuplicated() + f.reconciled().silverDuplicated())
                    .as("%s: %s", f.fault(), f.reconciled().describe())
                    .isZero();
            assertThat(f.clients().refusalsWithRetryAfter())
                    .as("%s: every 503/429 carries Retry-After", f.fault())
                    .isEqualTo(f.clients().refusalsNeedingRetryAfter());
        }
        assertThat(r.end()).isNotNull();
        assertThat(r.end().missing()).as(r.end().describe()).isZero();
        assertThat(r.end().bronzeDuplicated() + r.end().silverDuplicated())
                .as(r.end().describe())
                .isZero();
        assertThat(r.refused()).as("refused for good: %s", r.refusals()).isZero();
        assertThat(r.end().acknowledged()).isGreaterThan(0);
        assertThat(r.outOfMemoryErrors().values()).allMatch(n -> n == 0);
        assertThat(r.replayState()).isEqualTo("succeeded");
        assertThat(r.logLeaks()).as("secrets or tokens in the processes' logs").isEmpty();
    }
}
