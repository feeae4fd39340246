package dev.dash.bench.ingest;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.db.DashSchema;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.TopicNames;
import dev.dash.platform.kafka.TopicProvisioner;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Prepares a benchmark run: its own database (dropped, created and migrated afresh every run, so runs do
 * not inherit each other's rows and the shared test database is left alone), a team and a GitHub-signed pipeline with a two-metric mapping, and the pipeline's
 * snapshot on {@code dash.control}, and the same pipeline with dedupe off. Prints {@code PIPELINE=<id>},
 * {@code PIPELINE_NODEDUPE=<id>}, {@code SECRET_ID} and {@code SECRET} for run.sh.
 *
 * <p>Arguments: host port user password database kafkaBootstrap keyRing.
 */
public final class BenchSetup {
    /** The topics of the installation under test: its {@code DASH_KAFKA_TOPIC_PREFIX}, as the services get it. */
    private static final TopicNames TOPICS =
            new TopicNames(System.getenv().getOrDefault("DASH_KAFKA_TOPIC_PREFIX", ""));

    static final String MAPPING = """
            {"version":1,"time":{"path":"/ts","format":"iso8601"},
             "fields":[{"name":"temp","path":"/temp","type":"number"},{"name":"hum","path":"/hum","type":"number"},
                       {"name":"site","path":"/site","type":"string"},{"name":"device","path":"/device","type":"string"}],
             "metrics":["temp","hum"],"labels":["site","device"]}
            """;

    private BenchSetup() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        String port = args[1];
        String user = args[2];
        String password = args[3];
        String db = args[4];
        String kafka = args[5];
        KeyRing keys = KeyRing.parse(args[6], null);
        try (Connection admin =
                DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", user, password)) {
            // A fresh database every run: Silver partitions and the dedupe table that earlier runs filled
            // (tens of GB after a few runs) would otherwise make each run slower than the one before.
            dev.dash.model.db.Databases.drop(admin, db, 60_000);
            admin.createStatement().execute("CREATE DATABASE " + db);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL("jdbc:postgresql://" + host + ":" + port + "/" + db);
        ds.setUser(user);
        ds.setPassword(password);
        DashSchema.migrate(ds, "public", SilverVariant.Choice.AUTO);
        TopicProvisioner.ensureTopics(kafka, TOPICS.specs(), (short) 1, 10_000);
        UUID team = UUID.randomUUID();
        UUID secretId = UUID.randomUUID();
        String secret = "bench-" + UUID.randomUUID();
        UUID pipeline = create(ds, kafka, keys, team, secretId, secret, 259200, true);
        // The same pipeline with dedupe off (window 0): the cost of the dedupe store, measured apart.
        UUID noDedupe = create(ds, kafka, keys, team, UUID.randomUUID(), secret, 0, false);
        System.out.println("PIPELINE=" + pipeline);
        System.out.println("PIPELINE_NODEDUPE=" + noDedupe);
        System.out.println("SECRET_ID=" + secretId);
        System.out.println("SECRET=" + secret);
    }

    private static UUID create(
            PGSimpleDataSource ds,
            String kafka,
            KeyRing keys,
            UUID team,
            UUID secretId,
            String secret,
            int dedupeWindow,
            boolean newTeam)
            throws Exception {
        UUID pipeline = UUID.randomUUID();
        try (Connection c = ds.getConnection()) {
            if (newTeam) {
                exec(
                        c,
                        "INSERT INTO teams (id, name, slug) VALUES (?, ?, ?)",
                        team,
                        "bench " + team,
                        "b-" + team.toString().substring(0, 23));
            }
            exec(
                    c,
                    "INSERT INTO pipelines (id, team_id, name, type, signature_preset, active_mapping_version, dedupe_window_seconds) "
                            + "VALUES (?, ?, ?, 'realtime', 'github', 1, ?)",
                    pipeline,
                    team,
                    "bench " + pipeline,
                    dedupeWindow);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pipeline_secrets (id, pipeline_id, ciphertext, hint) VALUES (?, ?, ?, 'xxxx')")) {
                ps.setObject(1, secretId);
                ps.setObject(2, pipeline);
                ps.setBytes(3, keys.encryptString(secret, "pipeline_secret:" + secretId));
                ps.executeUpdate();
            }
            exec(
                    c,
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 1, 'active', ?::jsonb)",
                    UUID.randomUUID(),
                    pipeline,
                    MAPPING);
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka);
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(
                            TOPICS.control(),
                            pipeline.toString(),
                            ControlCodec.encode(new PipelineRepository(ds).load(pipeline))))
                    .get();
        }
        return pipeline;
    }

    private static void exec(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
