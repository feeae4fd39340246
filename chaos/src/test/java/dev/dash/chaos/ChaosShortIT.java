package dev.dash.chaos;

import org.junit.jupiter.api.Test;

/**
 * The fault suite's short version, part of the README's test command: every fault once, briefly, on the
 * suite's own private PostgreSQL, Kafka and S3 server (so stopping them never disturbs the services the other
 * tests share). Needs the packaged services (run by {@code verify}, after the other modules' {@code package}).
 */
class ChaosShortIT {
    @Test
    void everyAcknowledgedEventIsStoredOnceThroughEveryFault() throws Exception {
        ChaosRun.Report r = new ChaosRun(ChaosRun.Options.shortRun()).run();
        ChaosAssertions.assertClean(r);
    }
}
