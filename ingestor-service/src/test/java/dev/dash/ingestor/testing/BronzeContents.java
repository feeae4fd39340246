package dev.dash.ingestor.testing;

import dev.dash.model.bronze.BronzeReader;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import software.amazon.awssdk.services.s3.S3Client;

/** Reads a pipeline's Bronze objects back, through the manifest, as replay will. */
public final class BronzeContents {
    private BronzeContents() {}

    /** Every envelope in every manifest-listed object of the pipeline (duplicates included). */
    public static List<RawEnvelope> read(Connection c, S3Client s3, String bucket, UUID pipelineId)
            throws SQLException, IOException {
        List<RawEnvelope> out = new ArrayList<>();
        for (EnvelopeCodec.Line l : lines(c, s3, bucket, pipelineId)) {
            out.add(l.envelope());
        }
        return out;
    }

    /**
     * Every line in every manifest-listed object of the pipeline as a replay reads it ({@link
     * BronzeReader#nextLine()}: the embedded body's tree of a version-2 line), with its version.
     */
    public static List<EnvelopeCodec.Line> lines(Connection c, S3Client s3, String bucket, UUID pipelineId)
            throws SQLException, IOException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT object_key FROM bronze_manifest WHERE pipeline_id = ? ORDER BY kafka_partition, start_offset")) {
            ps.setObject(1, pipelineId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        }
        List<EnvelopeCodec.Line> out = new ArrayList<>();
        for (String key : keys) {
            try (BronzeReader r =
                    new BronzeReader(s3.getObject(b -> b.bucket(bucket).key(key)))) {
                EnvelopeCodec.Line l;
                while ((l = r.nextLine()) != null) {
                    out.add(l);
                }
            }
        }
        return out;
    }
}
