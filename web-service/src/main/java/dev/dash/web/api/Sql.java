package dev.dash.web.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.json.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Small helpers over the reactive PostgreSQL client. JSON goes in as {@code $n::text::jsonb} and comes out
 * as {@code col::text}, so Jackson alone handles it; times are {@link OffsetDateTime} in UTC.
 */
public final class Sql {
    private Sql() {}

    /**
     * Runs one statement. On a pool it runs on a connection taken from the pool first ({@code withConnection}),
     * not with the pool's own {@code preparedQuery(...).execute}: in Vert.x 4.5 that path arms a timer of the
     * pool's connection timeout and cancels it only when a connection was acquired, so while PostgreSQL refuses
     * connections every failed statement was followed, a connection timeout later, by the timer failing the
     * already failed result again ({@code IllegalStateException: Result is already complete}, logged at ERROR by
     * Vert.x; docs/reliability.md, finding 8, eclipse-vertx/vertx-sql-client#1706). Taking a connection first
     * cancels its timer either way. On a connection (a transaction) it runs directly.
     */
    public static Uni<RowSet<Row>> run(SqlClient client, String sql, Object... params) {
        List<Object> values = new ArrayList<>(params.length);
        for (Object p : params) {
            values.add(convert(p));
        }
        Tuple args = Tuple.tuple(values);
        if (client instanceof Pool pool) {
            return pool.withConnection(c -> c.preparedQuery(sql).execute(args));
        }
        return client.preparedQuery(sql).execute(args);
    }

    /** The rows mapped, in order. */
    public static <T> Uni<List<T>> list(SqlClient client, Function<Row, T> mapper, String sql, Object... params) {
        return run(client, sql, params).map(rows -> {
            List<T> out = new ArrayList<>(rows.size());
            rows.forEach(r -> out.add(mapper.apply(r)));
            return out;
        });
    }

    /** The first row mapped, or null. */
    public static <T> Uni<T> one(SqlClient client, Function<Row, T> mapper, String sql, Object... params) {
        return run(client, sql, params).map(rows -> {
            var it = rows.iterator();
            return it.hasNext() ? mapper.apply(it.next()) : null;
        });
    }

    private static Object convert(Object p) {
        if (p instanceof Instant i) {
            return i.atOffset(ZoneOffset.UTC);
        }
        if (p instanceof JsonNode n) {
            return n.toString();
        }
        if (p instanceof byte[] b) {
            return io.vertx.core.buffer.Buffer.buffer(b);
        }
        if (p instanceof List<?> l) {
            return l.toArray();
        }
        return p;
    }

    public static JsonNode json(Row row, String column) {
        String text = row.getString(column);
        if (text == null) {
            return null;
        }
        try {
            return Json.parse(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Instant instant(Row row, String column) {
        OffsetDateTime t = row.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    public static byte[] bytes(Row row, String column) {
        var b = row.getBuffer(column);
        return b == null ? null : b.getBytes();
    }
}
