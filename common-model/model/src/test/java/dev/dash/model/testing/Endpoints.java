package dev.dash.model.testing;

import java.util.HashMap;
import java.util.Map;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Where the real services of a test run listen, and the Quarkus configuration that points a service at
 * them.
 */
public record Endpoints(
        String pgHost,
        int pgPort,
        String pgDatabase,
        String pgUser,
        String pgPassword,
        boolean pgExternal,
        String kafkaBootstrap,
        String s3Endpoint,
        String s3AccessKey,
        String s3SecretKey,
        String s3Region,
        String oidcUrl,
        String keycloakUrl,
        String keycloakAdminUser,
        String keycloakAdminPassword) {

    /** The same services with another database on the same server. */
    public Endpoints withDatabase(String database) {
        return new Endpoints(
                pgHost,
                pgPort,
                database,
                pgUser,
                pgPassword,
                pgExternal,
                kafkaBootstrap,
                s3Endpoint,
                s3AccessKey,
                s3SecretKey,
                s3Region,
                oidcUrl,
                keycloakUrl,
                keycloakAdminUser,
                keycloakAdminPassword);
    }

    /** A plain pgjdbc data source on the test database, its search path set to {@code currentSchema} unless null. */
    public PGSimpleDataSource dataSource(String currentSchema) {
        PGSimpleDataSource d = new PGSimpleDataSource();
        d.setServerNames(new String[] {pgHost});
        d.setPortNumbers(new int[] {pgPort});
        d.setDatabaseName(pgDatabase);
        d.setUser(pgUser);
        d.setPassword(pgPassword);
        if (currentSchema != null) {
            d.setCurrentSchema(currentSchema);
        }
        return d;
    }

    /** JDBC URL of the test database. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }

    /** Vert.x reactive client URL of the test database. */
    public String reactiveUrl() {
        return "postgresql://" + pgHost + ":" + pgPort + "/" + pgDatabase;
    }

    /** Configuration overrides for a Quarkus service under test; keys a service does not use are ignored. */
    public Map<String, String> quarkusConfig() {
        Map<String, String> c = new HashMap<>();
        c.put("quarkus.datasource.jdbc.url", jdbcUrl());
        c.put("quarkus.datasource.reactive.url", reactiveUrl());
        c.put("quarkus.datasource.username", pgUser);
        c.put("quarkus.datasource.password", pgPassword);
        c.put("kafka.bootstrap.servers", kafkaBootstrap);
        c.put("dash.kafka.group-prefix", LocalServices.groupPrefix());
        c.put("dash.kafka.topic-prefix", LocalServices.topicPrefix());
        c.put("quarkus.s3.endpoint-override", s3Endpoint);
        c.put("quarkus.s3.aws.region", s3Region);
        c.put("quarkus.s3.aws.credentials.type", "static");
        c.put("quarkus.s3.aws.credentials.static-provider.access-key-id", s3AccessKey);
        c.put("quarkus.s3.aws.credentials.static-provider.secret-access-key", s3SecretKey);
        c.put("quarkus.oidc.auth-server-url", oidcUrl);
        return c;
    }
}
