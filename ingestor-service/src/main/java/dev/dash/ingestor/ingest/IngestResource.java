package dev.dash.ingestor.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.json.Json;
import dev.dash.model.signature.Headers;
import io.netty.buffer.ByteBuf;
import io.quarkus.logging.Log;
import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * {@code POST /ingest/{pipelineId}}: the HTTP side of ingest (docs/ingest.md). A plain Vert.x route rather
 * than a JAX-RS resource, to own the body limit (a JSON 413 before the body is buffered), run on the event
 * loop without a dispatch, and answer when Kafka's acknowledgement arrives. The decisions live in
 * {@link IngestService}; this class maps its {@link IngestResult} to status codes, headers and bodies (a
 * refusal as the {@link dev.dash.model.api.ApiError} every Dash endpoint gives, written by Jackson), never a
 * stack trace.
 */
@ApplicationScoped
public class IngestResource {
    private static final String JSON = "application/json";
    private static final String PATH = "/ingest/:pipelineId";
    /** Quarkus's {@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT} (a runtime-internal class). */
    private static final int UPLOAD_LIMIT_ORDER = -2;
    /** The routing context's key of its {@link BodyDeadlines.Entry}. */
    private static final String DEADLINE = "dash.ingest.body-deadline";

    private final IngestService service;
    private final long maxBodySize;
    private final BodyBudget budget;
    private final String retryAfter;
    private final long bodyTimeoutMillis;
    /** Each event loop's body deadlines (confined to it). */
    private final ThreadLocal<BodyDeadlines> deadlines = new ThreadLocal<>();

    public IngestResource(IngestService service, IngestorConfig config) {
        this.service = service;
        this.maxBodySize = config.ingest().maxBodySize().asLongValue();
        this.budget = new BodyBudget(config.ingest().maxBufferedBytes().asLongValue());
        this.retryAfter = Long.toString(Math.max(1, config.ingest().retryAfter().toSeconds()));
        this.bodyTimeoutMillis = config.ingest().bodyTimeout().toMillis();
    }

    /** Request-body bytes this node holds room for right now ({@code dash.ingest.max-buffered-bytes}). */
    long bufferedBytes() {
        return budget.held();
    }

    void routes(@Observes Router router) {
        // Before Quarkus's own upload limit (order -2, quarkus.http.limits.max-body-size), which answers a
        // declared length beyond it with an empty 413 and closes the connection under the client: a
        // declared length beyond this route's limit gets the JSON refusal here, before any body is read.
        router.post(PATH).order(UPLOAD_LIMIT_ORDER - 1).handler(this::admit);
        router.post(PATH)
                // The body's buffer sized by its Content-Length (Vert.x caps that at 64 KiB), which admit() already
                // holds room for: otherwise the buffer starts at 1 KiB, doubles as the body comes, and ends larger
                // than the body, so bytesOf copies it once more.
                .handler(BodyHandler.create(false).setBodyLimit(maxBodySize).setPreallocateBodyBuffer(true))
                .handler(this::handle);
        // Its own route with an early order, so this route's refusals (413 from the body handler) are answered
        // here before the shared fallback for body-less refusals (dev.dash.platform.http.JsonRefusals).
        router.post(PATH).order(UPLOAD_LIMIT_ORDER - 1).failureHandler(this::failure);
        // Every other method on the path: 405 with Allow (else it falls through to a 404 page).
        router.route(PATH).handler(IngestResource::methodNotAllowed);
    }

    /**
     * Before the body is read: refuses a declared length beyond the limit (413), takes room for the body from the
     * node's budget (503 when there is none), and starts the body's deadline.
     */
    private void admit(RoutingContext ctx) {
        String declared = ctx.request().getHeader("content-length");
        long length;
        try {
            length = declared == null ? -1 : Long.parseLong(declared.trim());
        } catch (NumberFormatException e) {
            length = -1; // Vert.x's codec refuses a malformed Content-Length before any route runs
        }
        if (length > maxBodySize) {
            sendError(ctx, tooLarge());
            return;
        }
        // Room for the body before any of it is read: bodies are buffered whole, then copied into events.
        long room = length >= 0 ? length : maxBodySize;
        if (!budget.tryAcquire(room)) {
            sendError(
                    ctx,
                    new IngestRejection(
                            503,
                            "overloaded",
                            null,
                            "too many request bodies being received on this node; retry later",
                            null,
                            Map.of("Retry-After", retryAfter)));
            return;
        }
        bodyDeadline(ctx, room);
        ctx.next();
    }

    /**
     * A body must arrive within {@code dash.ingest.body-timeout} of its headers: the idle timeout alone lets a
     * sender that trickles a byte now and then hold a connection (and its buffer) for as long as it likes. On an
     * event loop the deadline is kept in that loop's {@link BodyDeadlines} (one timer for all its requests), ended
     * when the body is complete ({@link #handle}) or the request failed ({@link #failure}); elsewhere (never, for
     * this route) a timer of its own, cancelled when the request ends.
     */
    private void bodyDeadline(RoutingContext ctx, long room) {
        if (Context.isOnEventLoopThread()) {
            BodyDeadlines loop = deadlines.get();
            if (loop == null) {
                loop = new BodyDeadlines(ctx.vertx(), bodyTimeoutMillis, System::nanoTime, this::bodyTimedOut);
                deadlines.set(loop);
            }
            ctx.put(DEADLINE, loop.add(ctx));
            ctx.addEndHandler(ar -> budget.release(room));
            return;
        }
        long timer = ctx.vertx().setTimer(bodyTimeoutMillis, id -> bodyTimedOut(ctx));
        ctx.addEndHandler(ar -> {
            budget.release(room);
            ctx.vertx().cancelTimer(timer);
        });
    }

    /** Ends the request's body deadline: its body is complete, or it failed. */
    private static void bodyDone(RoutingContext ctx) {
        BodyDeadlines.Entry e = ctx.get(DEADLINE);
        if (e != null && e.owner.owned()) {
            e.owner.remove(e);
        }
    }

    /** A request's body deadline passed: 408 and the connection closed, unless its body arrived or it was answered. */
    private void bodyTimedOut(RoutingContext ctx) {
        if (!ctx.request().isEnded()
                && !ctx.response().ended()
                && !ctx.response().closed()) {
            ctx.response().putHeader("Connection", "close");
            sendError(
                    ctx,
                    new IngestRejection(
                            408,
                            "request_timeout",
                            "body",
                            "the body did not arrive within " + bodyTimeoutMillis + " ms"));
            ctx.request().connection().close();
        }
    }

    private static void methodNotAllowed(RoutingContext ctx) {
        sendError(
                ctx,
                new IngestRejection(
                        405,
                        "method_not_allowed",
                        "method",
                        ctx.request().method() + " is not accepted here, only POST",
                        null,
                        Map.of("Allow", "POST")));
    }

    private IngestRejection tooLarge() {
        return new IngestRejection(413, "body_too_large", "body", "the body exceeds " + maxBodySize + " bytes");
    }

    private void handle(RoutingContext ctx) {
        bodyDone(ctx);
        Instant receivedAt = Instant.now();
        MultiMap h = ctx.request().headers();
        Headers.Builder headers = Headers.builder();
        h.forEach(e -> headers.add(e.getKey(), e.getValue()));
        byte[] body = bytesOf(ctx.body().buffer());
        IngestService.Request req = new IngestService.Request(
                ctx.pathParam("pipelineId"),
                headers.build(),
                body,
                h.get("content-type"),
                h.get("content-encoding"),
                receivedAt);
        service.ingest(req).whenComplete((result, e) -> {
            if (e != null) {
                answerError(ctx, IngestService.cause(e));
            } else {
                answer(ctx, result);
            }
        });
    }

    /**
     * The body's bytes: the body handler's own array when the body fills it exactly (a body with a Content-Length,
     * buffered into an array of that size: the common case), else a copy. Nothing writes to a request's buffer once
     * its body is complete, and the array is plain heap memory (not pooled), so it can be used as it is.
     */
    static byte[] bytesOf(Buffer buffer) {
        if (buffer == null) {
            return new byte[0];
        }
        ByteBuf b = buffer.getByteBuf();
        if (b.hasArray() && b.arrayOffset() == 0 && b.readerIndex() == 0 && b.readableBytes() == b.array().length) {
            return b.array();
        }
        return buffer.getBytes();
    }

    private void answer(RoutingContext ctx, IngestResult result) {
        HttpServerResponse r = ctx.response();
        if (r.ended()) {
            return;
        }
        if (result instanceof IngestResult.Accepted a) {
            answer(r, 202, false, a.eventIds());
        } else if (result instanceof IngestResult.Duplicate d) {
            answer(r, 200, true, d.eventIds());
        } else if (result instanceof IngestResult.Challenge c) {
            r.setStatusCode(200)
                    .putHeader("content-type", c.response().contentType())
                    .end(Buffer.buffer(c.response().body()));
        } else {
            // The last case of the sealed type (Java 17 has no pattern switch to check that it is the only one).
            sendError(ctx, ((IngestResult.Refused) result).rejection());
        }
    }

    /**
     * The success body: ids and counts only (no string to escape), so it is written directly, as ASCII bytes (a
     * batch's 100 ids made 100 strings, a builder and its string, and then the string's bytes).
     */
    private static void answer(HttpServerResponse r, int status, boolean duplicate, UUID[] ids) {
        r.setStatusCode(status).putHeader("content-type", JSON).end(Buffer.buffer(answerBody(duplicate, ids)));
    }

    /** {@code {["duplicate":true,]"accepted":n,"event_ids":["<id>",...]}}, as {@link UUID#toString} writes ids. */
    static byte[] answerBody(boolean duplicate, UUID[] ids) {
        byte[] head = ((duplicate ? "{\"duplicate\":true," : "{") + "\"accepted\":" + (duplicate ? 0 : ids.length)
                        + ",\"event_ids\":[")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[head.length + ids.length * (UuidText.LENGTH + 3) - (ids.length > 0 ? 1 : 0) + 2];
        System.arraycopy(head, 0, b, 0, head.length);
        int at = head.length;
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b[at++] = ',';
            }
            b[at++] = '"';
            at = UuidText.write(b, at, ids[i]);
            b[at++] = '"';
        }
        b[at++] = ']';
        b[at] = '}';
        return b;
    }

    /** A failure: a bug in the ingest path (500, logged), or a refusal raised outside it (the route's failure). */
    private void answerError(RoutingContext ctx, Throwable t) {
        IngestRejection r = t instanceof IngestRejection ir
                ? ir
                : new IngestRejection(500, "internal_error", null, "the request could not be processed");
        if (!(t instanceof IngestRejection)) {
            Log.errorf(t, "Ingest failed unexpectedly for %s", ctx.request().path());
        }
        sendError(ctx, r);
    }

    private void failure(RoutingContext ctx) {
        bodyDone(ctx);
        if (ctx.failure() instanceof io.vertx.core.http.HttpClosedException
                || ctx.response().ended()
                || ctx.response().closed()) {
            // The client went away mid-body, or the request was answered already (408 from the body deadline):
            // nothing to say, and not the server's failure, so no ERROR.
            return;
        }
        int status = ctx.statusCode();
        if (status == 413) {
            sendError(ctx, tooLarge());
        } else if (ctx.failure() != null) {
            answerError(ctx, ctx.failure());
        } else {
            sendError(
                    ctx,
                    new IngestRejection(
                            status < 400 ? 500 : status, "request_failed", null, "the request could not be read"));
        }
    }

    private static void sendError(RoutingContext ctx, IngestRejection r) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) {
            return;
        }
        for (Map.Entry<String, String> e : r.headers().entrySet()) {
            resp.putHeader(e.getKey(), e.getValue());
        }
        byte[] body;
        try {
            body = Json.writer().writeValueAsBytes(r.body());
        } catch (JsonProcessingException e) {
            // Strings, numbers and a list of records: Jackson cannot fail on these but for a bug.
            Log.errorf(e, "Could not write the refusal %s", r.error());
            body = ("{\"status\":" + r.status() + ",\"error\":\"internal_error\"}").getBytes(StandardCharsets.UTF_8);
        }
        resp.setStatusCode(r.status()).putHeader("content-type", JSON).end(Buffer.buffer(body));
    }
}
