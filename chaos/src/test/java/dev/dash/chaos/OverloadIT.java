package dev.dash.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Overload, on demand ({@code bench/chaos/run.sh overload}, docs/reliability.md): ten times what a node
 * sustains, large bodies mixed in. The node sheds load with 503/429 and {@code Retry-After}, never runs out
 * of memory, serves every request again soon after the load drops, and every acknowledged event is stored
 * once.
 */
class OverloadIT {
    @Test
    void aNodeOfferedTenTimesWhatItSustainsShedsLoadAndRecovers() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("chaos.overload"), "on demand: -Dchaos.overload=true");
        OverloadRun.Report r = new OverloadRun(OverloadRun.Options.fromProperties()).run();
        assertThat(r.overload().refusalsWithRetryAfter())
                .as("every 503/429 carries Retry-After")
                .isEqualTo(r.overload().refusalsNeedingRetryAfter());
        assertThat(r.outOfMemoryErrors()).isZero();
        assertThat(r.recoveredAfter()).isLessThan(Duration.ofSeconds(20));
        assertThat(r.reconciled()).isNotNull();
        assertThat(r.reconciled().missing()).as(r.reconciled().describe()).isZero();
        assertThat(r.reconciled().bronzeDuplicated() + r.reconciled().silverDuplicated())
                .as(r.reconciled().describe())
                .isZero();
    }
}
