package dev.dash.web.live.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One frame of a stream as it goes on the wire, encoded once for every viewer: the WebSocket text frame (header
 * and JSON; a server's frames are not masked, so the bytes are the same for every connection) in direct memory.
 * Each viewer's channel gets a duplicate of it (an index pair over the same memory): no JSON encoding, no
 * WebSocket frame object or frame encoding, no copy into direct memory per viewer. The memory is a JDK direct
 * buffer freed by the garbage collector once no ring buffer, snapshot or queued write holds the frame; Netty's
 * release of a written duplicate is a no-op ({@link Unpooled#unreleasableBuffer}).
 */
final class WireFrame {
    private final ByteBuf bytes;
    private final int header;

    private WireFrame(ByteBuf bytes, int header) {
        this.bytes = bytes;
        this.header = header;
    }

    /** A final text frame carrying {@code json} (UTF-8). */
    static WireFrame text(byte[] json) {
        int n = json.length;
        int header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
        ByteBuffer b = ByteBuffer.allocateDirect(header + n);
        b.put((byte) 0x81); // FIN, opcode 1 (text)
        if (n < 126) {
            b.put((byte) n);
        } else if (n < 65_536) {
            b.put((byte) 126).putShort((short) n);
        } else {
            b.put((byte) 127).putLong(n);
        }
        b.put(json).flip();
        return new WireFrame(Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(b)), header);
    }

    /** The whole frame for one channel write (a duplicate: its own indexes over the shared bytes). */
    ByteBuf forWrite() {
        return bytes.duplicate();
    }

    /** The JSON text alone, as a buffer over the shared bytes (for a write through Vert.x's own frame encoding). */
    ByteBuf payload() {
        return bytes.slice(header, bytes.readableBytes() - header);
    }

    /** The JSON text (for a connection written through {@code sendText}). */
    String text() {
        return bytes.toString(header, bytes.readableBytes() - header, StandardCharsets.UTF_8);
    }

    /** Bytes on the wire, header included. */
    int size() {
        return bytes.readableBytes();
    }
}
