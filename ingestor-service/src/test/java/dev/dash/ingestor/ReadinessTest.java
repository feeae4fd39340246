package dev.dash.ingestor;

import dev.dash.model.testing.ReadinessContract;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The ingestor's readiness follows PostgreSQL and Kafka, on outages of its own: PostgreSQL
 * through a proxy the test cuts, a private Kafka broker (the contract is shared by every service).
 */
@QuarkusTest
@TestProfile(ReadinessContract.PrivateOutages.class)
class ReadinessTest extends ReadinessContract {}
