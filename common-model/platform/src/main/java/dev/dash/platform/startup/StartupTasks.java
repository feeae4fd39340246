package dev.dash.platform.startup;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.support.RetryingTask;
import dev.dash.platform.kafka.TopicProvisioner;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/** The start-up steps the services share, each retried until it succeeds ({@link RetryingTask}). */
public final class StartupTasks {
    private static final System.Logger LOG = System.getLogger("dev.dash.startup");

    private StartupTasks() {}

    /** Migrates the schema (the owner, web-service) or waits until it matches this build's migrations. */
    public static RetryingTask<DashSchema.Outcome> schema(
            DataSource dataSource, String schema, SilverVariant.Choice variant, boolean migrate, Duration retryMax) {
        return new RetryingTask<>(
                "schema",
                () -> {
                    DashSchema.Outcome outcome = migrate
                            ? DashSchema.migrate(dataSource, schema, variant)
                            : DashSchema.validate(dataSource, schema, variant);
                    LOG.log(
                            Level.INFO,
                            "Schema at version {0} ({1} Silver), {2} migration(s) applied now",
                            outcome.version(),
                            outcome.variant(),
                            outcome.applied());
                    return outcome;
                },
                retryMax,
                e -> LOG.log(Level.WARNING, "Schema not ready yet: {0}", e.getMessage()));
    }

    /** Creates the missing Kafka topics of this installation. */
    public static RetryingTask<List<String>> topics(
            String bootstrapServers, TopicNames names, short replicationFactor, Duration retryMax) {
        return new RetryingTask<>(
                "kafka topics",
                () -> TopicProvisioner.ensureTopics(bootstrapServers, names.specs(), replicationFactor, 10_000),
                retryMax,
                e -> LOG.log(Level.WARNING, "Kafka topics not provisioned yet: {0}", e.getMessage()));
    }
}
