package dev.dash.replay;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.ReadinessContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Replay-service's readiness follows PostgreSQL and Kafka (the contract is shared by every service). */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ReadinessTest extends ReadinessContract {}
