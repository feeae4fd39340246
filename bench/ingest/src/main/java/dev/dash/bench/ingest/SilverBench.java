package dev.dash.bench.ingest;

import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.silver.SilverBatch;
import dev.dash.model.silver.SilverStore;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Silver writer's path against a raw COPY, in the same run and into the same {@code metrics} table:
 *
 * <ul>
 *   <li>writer: for each event, the mapping engine on the raw body, then {@link SilverStore#write} per batch
 *       (COPY into the staging table, {@code INSERT ... ON CONFLICT DO NOTHING}, commit): what
 *       {@code SilverWriter} does per batch, Kafka consumption aside;
 *   <li>raw COPY: the same rows (other event ids, so no conflict), pre-formatted before the clock starts,
 *       COPYed straight into {@code metrics}, one transaction per batch: the fastest way in.
 * </ul>
 *
 * Rounds alternate, so both see the same machine state. Arguments: jdbcUrl user password events batchRows rounds.
 */
public final class SilverBench {
    private SilverBench() {}

    public static void main(String[] args) throws Exception {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(args[0]);
        ds.setUser(args[1]);
        ds.setPassword(args[2]);
        int events = Integer.parseInt(args[3]);
        int batchRows = Integer.parseInt(args[4]);
        int rounds = Integer.parseInt(args[5]);
        CompiledMapping mapping = MappingCompiler.compile(BenchSetup.MAPPING);
        SilverStore store = new SilverStore(ds);
        // Warm-up: JIT, the day's partition, the staging table.
        runWriter(store, mapping, bodies(2_000), batchRows);
        runCopy(ds, bodies(2_000), mapping, batchRows);
        List<Double> writer = new ArrayList<>();
        List<Double> copy = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            writer.add(runWriter(store, mapping, bodies(events), batchRows));
            copy.add(runCopy(ds, bodies(events), mapping, batchRows));
            System.out.printf(
                    "round %d: writer %.0f rows/s, raw COPY %.0f rows/s%n", r + 1, writer.get(r), copy.get(r));
        }
        double w = median(writer);
        double c = median(copy);
        System.out.printf(
                "RESULT silver_writer_rows_per_s=%.0f raw_copy_rows_per_s=%.0f ratio=%.2f batch_rows=%d events_per_round=%d rounds=%d%n",
                w, c, w / c, batchRows, events, rounds);
    }

    static List<byte[]> bodies(int n) {
        List<byte[]> out = new ArrayList<>(n);
        String ts = Instant.now().toString();
        String[] sites = {"north", "south", "east", "west"};
        for (int i = 0; i < n; i++) {
            out.add(("{\"ts\":\"" + ts + "\",\"n\":" + i + ",\"device\":\"d-" + (i % 500) + "\",\"site\":\""
                            + sites[i & 3] + "\",\"temp\":" + (i % 400) / 10.0 + ",\"hum\":" + (i % 1000) / 10.0
                            + ",\"firmware\":\"4.2.1\",\"status\":\"OK\"}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    static double runWriter(SilverStore store, CompiledMapping mapping, List<byte[]> bodies, int batchRows)
            throws Exception {
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant received = Instant.now();
        long rows = 0;
        long start = System.nanoTime();
        SilverBatch batch = new SilverBatch();
        for (byte[] body : bodies) {
            UUID event = UUID.randomUUID();
            MappingResult r = mapping.apply(EventInput.ofBytes(event, received, body));
            batch.addPoints(pipeline, team, event, 1, received, r.points());
            if (batch.rows().size() >= batchRows) {
                rows += batch.rows().size();
                store.write(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            rows += batch.rows().size();
            store.write(batch);
        }
        return rows / ((System.nanoTime() - start) / 1e9);
    }

    static double runCopy(PGSimpleDataSource ds, List<byte[]> bodies, CompiledMapping mapping, int batchRows)
            throws Exception {
        UUID pipeline = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        Instant received = Instant.now();
        // The same rows, formatted before the clock starts.
        List<String> chunks = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        int inChunk = 0;
        long rows = 0;
        for (byte[] body : bodies) {
            UUID event = UUID.randomUUID();
            var points =
                    mapping.apply(EventInput.ofBytes(event, received, body)).points();
            for (int i = 0; i < points.size(); i++) {
                var p = points.get(i);
                b.append(p.time())
                        .append('\t')
                        .append(pipeline)
                        .append('\t')
                        .append(team)
                        .append('\t')
                        .append(p.metric())
                        .append('\t')
                        .append("{\"device\":\"")
                        .append(p.labels().get("device"))
                        .append("\",\"site\":\"")
                        .append(p.labels().get("site"))
                        .append("\"}\t")
                        .append(p.value())
                        .append('\t')
                        .append(event)
                        .append("\t1\t")
                        .append(i)
                        .append('\n');
                rows++;
                inChunk++;
            }
            if (inChunk >= batchRows) {
                chunks.add(b.toString());
                b.setLength(0);
                inChunk = 0;
            }
        }
        if (inChunk > 0) {
            chunks.add(b.toString());
        }
        long start = System.nanoTime();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            var copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (String chunk : chunks) {
                copy.copyIn(
                        "COPY metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) FROM STDIN",
                        new StringReader(chunk));
                c.commit();
            }
        }
        return rows / ((System.nanoTime() - start) / 1e9);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
