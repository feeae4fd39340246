package dev.dash.bench.replay;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * The baseline: the rows the replay writes (ReplaySetup's {@code copy-rows.tsv}: the same rows, values and order),
 * read into memory before the clock starts (and, for {@code bench.format=binary}, encoded in COPY's binary format,
 * which spares PostgreSQL parsing timestamps, uuids and floats), COPYed into a fresh table shaped like plain PostgreSQL's
 * {@code metrics}: the same columns and defaults, range-partitioned by UTC day with a partition per day of the data
 * (created before the clock starts), the same unique idempotency index and series index. One COPY and one commit
 * per {@code bench.batchRows} rows, as the replay commits one {@code SilverStore} write per batch. The table is
 * dropped afterwards, so no vacuum of it runs during later phases. Prints one {@code RESULT} line.
 */
public final class CopyBaseline {
    private CopyBaseline() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(BenchEnv.prop("work", "bench/replay/target/work")).resolve("copy-rows.tsv");
        int batchRows = (int) BenchEnv.longProp("batchRows", 10_000);
        long events = BenchEnv.longProp("events", 0);
        String format = BenchEnv.prop("format", "text");
        String label = BenchEnv.prop("label", "copy") + "-" + format;
        LocalDate first = LocalDate.parse(BenchEnv.prop("firstDay"));
        LocalDate last = LocalDate.parse(BenchEnv.prop("lastDay"));
        List<byte[]> chunks = chunks(file, batchRows);
        long rows = 0;
        for (byte[] c : chunks) {
            for (byte b : c) {
                if (b == '\n') {
                    rows++;
                }
            }
        }
        if (format.equals("binary")) {
            chunks.replaceAll(CopyBaseline::binary);
        } else if (!format.equals("text")) {
            throw new IllegalArgumentException("bench.format is text or binary, not " + format);
        }
        var ds = BenchEnv.dataSource();
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS copy_baseline");
            st.execute("CREATE TABLE copy_baseline (LIKE metrics INCLUDING DEFAULTS) PARTITION BY RANGE (time)");
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                st.execute(String.format(
                        "CREATE TABLE copy_baseline_p%s PARTITION OF copy_baseline FOR VALUES FROM ('%sT00:00:00Z') TO ('%sT00:00:00Z')",
                        d.toString().replace("-", ""), d, d.plusDays(1)));
            }
            st.execute("CREATE UNIQUE INDEX copy_baseline_idempotency_key "
                    + "ON copy_baseline (pipeline_id, mapping_version, event_id, seq, time)");
            st.execute(
                    "CREATE INDEX copy_baseline_series_idx ON copy_baseline (pipeline_id, mapping_version, metric, time DESC)");
        }
        CpuSplit cpu = new CpuSplit(
                BenchEnv.prop("pids", "") + ",client=" + ProcessHandle.current().pid());
        CpuSplit.Reading before;
        CpuSplit.Reading after;
        long start;
        long end;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            String sql =
                    "COPY copy_baseline (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) FROM STDIN"
                            + (format.equals("binary") ? " WITH (FORMAT binary)" : "");
            before = cpu.read(CpuSplit.backends(c));
            start = System.nanoTime();
            for (byte[] chunk : chunks) {
                try (InputStream in = new ByteArrayInputStream(chunk)) {
                    copy.copyIn(sql, in, 256 * 1024);
                }
                c.commit();
            }
            end = System.nanoTime();
            after = cpu.read(CpuSplit.backends(c));
        }
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("DROP TABLE copy_baseline");
        }
        double seconds = (end - start) / 1e9;
        System.out.printf(
                "RESULT label=%s format=%s rows=%d events=%d batch_rows=%d seconds=%.2f rows_per_s=%.0f events_per_s=%.0f %s%n",
                label,
                format,
                rows,
                events,
                batchRows,
                seconds,
                rows / seconds,
                events / seconds,
                CpuSplit.between(before, after));
    }

    /** PostgreSQL's epoch (2000-01-01T00:00:00Z) in microseconds since the Unix epoch. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /**
     * One chunk of text rows as COPY's binary format: header, one tuple per row, trailer. Timestamps, uuids and
     * floats arrive ready, so PostgreSQL parses nothing but the labels' JSON (jsonb version 1 is the JSON text).
     */
    private static byte[] binary(byte[] text) {
        String[] lines = new String(text, StandardCharsets.UTF_8).split("\n");
        ByteBuffer b = ByteBuffer.allocate(text.length + 64 * lines.length + 64);
        b.put(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xff, '\r', '\n', 0});
        b.putInt(0).putInt(0);
        for (String line : lines) {
            String[] f = line.split("\t");
            Instant t = Instant.parse(f[0]);
            b.putShort((short) 9);
            b.putInt(8).putLong(t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000 - PG_EPOCH_MICROS);
            uuid(b, f[1]);
            uuid(b, f[2]);
            byte[] metric = f[3].getBytes(StandardCharsets.UTF_8);
            b.putInt(metric.length).put(metric);
            byte[] labels = f[4].getBytes(StandardCharsets.UTF_8);
            b.putInt(labels.length + 1).put((byte) 1).put(labels);
            b.putInt(8).putDouble(Double.parseDouble(f[5]));
            uuid(b, f[6]);
            b.putInt(4).putInt(Integer.parseInt(f[7]));
            b.putInt(4).putInt(Integer.parseInt(f[8]));
        }
        b.putShort((short) -1);
        return Arrays.copyOf(b.array(), b.position());
    }

    private static void uuid(ByteBuffer b, String s) {
        UUID u = UUID.fromString(s);
        b.putInt(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
    }

    /** The file in chunks of {@code rows} whole lines, read in blocks (the file may exceed an array's 2 GiB). */
    private static List<byte[]> chunks(Path file, int rows) throws IOException {
        List<byte[]> out = new ArrayList<>();
        ByteArrayOutputStream chunk = new ByteArrayOutputStream(rows * 256);
        byte[] block = new byte[1 << 20];
        int lines = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(block)) > 0) {
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (block[i] == '\n' && ++lines == rows) {
                        chunk.write(block, from, i + 1 - from);
                        out.add(chunk.toByteArray());
                        chunk.reset();
                        from = i + 1;
                        lines = 0;
                    }
                }
                chunk.write(block, from, n - from);
            }
        }
        if (chunk.size() > 0) {
            out.add(chunk.toByteArray());
        }
        return out;
    }
}
