package dev.dash.ingestor.bronze;

import dev.dash.model.bronze.BronzeKey;
import io.quarkus.logging.Log;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;

/**
 * Sends Bronze objects to S3 with the AWS SDK: an object that fits one part with a single PUT, a larger one as
 * a multipart upload whose parts go out as soon as {@link ObjectParts} fills them, completed when the object
 * is finished. Objects are byte for byte what a single PUT would have stored. A failed part is sent again with
 * the same number and bytes; uploads of objects given up (partition revoked before their upload) are
 * aborted, so S3 keeps no orphaned parts. A node killed outright leaves its open uploads behind: they hold
 * nothing anyone reads (the events are read again from Kafka, since offsets are committed only after an
 * object is complete), and a bucket lifecycle rule removes them (docs/deployment.md). They are not swept at
 * assignment: several installations may share a bucket, and another's upload in progress looks the same.
 */
final class BronzeUploader {
    private static final String CONTENT_TYPE = "application/x-ndjson";

    /** The multipart upload of an object disappeared (aborted elsewhere): its bytes must be read again. */
    static final class UploadLost extends IllegalStateException {
        UploadLost(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final S3Client s3;
    private final String bucket;

    BronzeUploader(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Uploads the full parts of an object still being written, starting its multipart upload if needed. */
    void uploadFullParts(BronzeKey key, ObjectParts parts) {
        if (!parts.hasFullParts()) {
            return;
        }
        String k = key.format();
        if (parts.uploadId() == null) {
            parts.uploadStarted(s3.createMultipartUpload(b ->
                            b.bucket(bucket).key(k).contentType(CONTENT_TYPE).contentEncoding("gzip"))
                    .uploadId());
        }
        byte[] part;
        while ((part = parts.fullParts().peek()) != null) {
            parts.partUploaded(uploadPart(k, parts, part, part.length));
        }
    }

    /** Uploads a finished object: one PUT if it never filled a part, else its last parts and the completion. */
    void finish(PartitionWriter.Finished f) {
        ObjectParts parts = f.parts();
        String k = f.key().format();
        if (parts.uploadId() == null && !parts.hasFullParts()) {
            s3.putObject(
                    b -> b.bucket(bucket).key(k).contentType(CONTENT_TYPE).contentEncoding("gzip"),
                    body(parts.tail(), parts.tailLength()));
            return;
        }
        uploadFullParts(f.key(), parts);
        if (parts.tailLength() > 0) {
            // Sent, the tail is forgotten: an attempt to complete that fails must not send it again as another part.
            parts.tailUploaded(uploadPart(k, parts, parts.tail(), parts.tailLength()));
        }
        List<CompletedPart> completed = new ArrayList<>();
        List<String> etags = parts.etags();
        for (int i = 0; i < etags.size(); i++) {
            completed.add(
                    CompletedPart.builder().partNumber(i + 1).eTag(etags.get(i)).build());
        }
        try {
            s3.completeMultipartUpload(
                    b -> b.bucket(bucket).key(k).uploadId(parts.uploadId()).multipartUpload(m -> m.parts(completed)));
        } catch (NoSuchUploadException e) {
            // A completion whose answer was lost completed the upload all the same: the object is then there.
            Long size = null;
            try {
                size = s3.headObject(b -> b.bucket(bucket).key(k)).contentLength();
            } catch (RuntimeException ignored) {
                // Not there: the upload was aborted, below.
            }
            if (size == null || size != f.entry().bytes()) {
                throw new UploadLost("the multipart upload of " + k + " is gone", e);
            }
        }
    }

    /** Aborts a multipart upload of an object given up; failures are only logged (nothing depends on it). */
    void abort(BronzeKey key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key.format()).uploadId(uploadId));
        } catch (RuntimeException e) {
            Log.debugf("Could not abort the multipart upload of %s: %s", key, e.getMessage());
        }
    }

    /** Deletes an object no manifest row lists; a failure is only logged (nothing reads it). */
    void delete(BronzeKey key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key.format()));
        } catch (RuntimeException e) {
            Log.debugf("Could not delete the unlisted Bronze object %s: %s", key, e.getMessage());
        }
    }

    /**
     * A body of known length held in memory, as the SDK sends byte arrays (it copies the slice, so an upload
     * briefly holds its part twice: still bounded by the part size, not the object).
     */
    private static RequestBody body(byte[] bytes, int length) {
        return RequestBody.fromByteBuffer(ByteBuffer.wrap(bytes, 0, length));
    }

    private String uploadPart(String key, ObjectParts parts, byte[] bytes, int length) {
        int number = parts.etags().size() + 1;
        try {
            return s3.uploadPart(
                            b -> b.bucket(bucket)
                                    .key(key)
                                    .uploadId(parts.uploadId())
                                    .partNumber(number)
                                    .contentLength((long) length),
                            body(bytes, length))
                    .eTag();
        } catch (NoSuchUploadException e) {
            throw new UploadLost("the multipart upload of " + key + " is gone", e);
        }
    }
}
