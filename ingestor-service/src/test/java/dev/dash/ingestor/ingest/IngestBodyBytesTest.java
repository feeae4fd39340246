package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link IngestResource#bytesOf}: a body buffered into an array of its exact size (the body handler's, sized by the
 * Content-Length) is used as it is; any other buffer is copied; either way the bytes are the body's.
 */
class IngestBodyBytesTest {
    static final byte[] BODY = "{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void aBodyFillingItsArrayIsNotCopied() {
        // As BodyHandler buffers a body with a Content-Length: Buffer.buffer(length), then the chunks appended.
        Buffer b = Buffer.buffer(BODY.length);
        b.appendBytes(BODY, 0, 5).appendBytes(BODY, 5, BODY.length - 5);
        byte[] bytes = IngestResource.bytesOf(b);
        assertThat(bytes).isEqualTo(BODY);
        assertThat(IngestResource.bytesOf(b)).isSameAs(bytes);
    }

    @Test
    void aBodyWithRoomLeftIsCopied() {
        Buffer b = Buffer.buffer(BODY.length * 2).appendBytes(BODY);
        byte[] bytes = IngestResource.bytesOf(b);
        assertThat(bytes).isEqualTo(BODY);
        assertThat(IngestResource.bytesOf(b)).isNotSameAs(bytes);
        assertThat(IngestResource.bytesOf(Buffer.buffer(BODY).slice(1, 4))).isEqualTo(new byte[] {'"', 'a', '"'});
        assertThat(IngestResource.bytesOf(null)).isEmpty();
    }
}
