package dev.dash.chaos;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's long version, on demand ({@code bench/chaos/run.sh long}, docs/reliability.md): the faults
 * at their full length (S3 down 60 s, PostgreSQL 30 s, a pause past the default 45 s session timeout) under a
 * heavier load.
 */
class ChaosLongIT {
    @Test
    void everyAcknowledgedEventIsStoredOnceThroughEveryFault() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("chaos.long"), "on demand: -Dchaos.long=true");
        ChaosRun.Report r = new ChaosRun(ChaosRun.Options.longRun()).run();
        ChaosAssertions.assertClean(r);
    }
}
