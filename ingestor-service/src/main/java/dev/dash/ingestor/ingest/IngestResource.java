package dev.dash.ingestor.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.model.json.Json;
import dev.dash.model.signature.Headers;
import io.quarkus.logging.Log;
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

    private final IngestService service;
    private final long maxBodySize;
    private final BodyBudget budget;
    private final String retryAfter;
    private final long bodyTimeoutMillis;

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
        router.post(PATH).order(UPLOAD_LIMIT_ORDER - 1).handler(this::refuseDeclaredTooLarge);
        router.post(PATH).order(UPLOAD_LIMIT_ORDER - 1).handler(this::bodyDeadline);
        router.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(maxBodySize))
                .handler(this::handle);
        // Its own route with an early order, so this route's refusals (413 from the body handler) are answered
        // here before the shared fallback for body-less refusals (dev.dash.platform.http.JsonRefusals).
        router.post(PATH).order(UPLOAD_LIMIT_ORDER - 1).failureHandler(this::failure);
        // Every other method on the path: 405 with Allow (else it falls through to a 404 page).
        router.route(PATH).handler(IngestResource::methodNotAllowed);
    }

    private void refuseDeclaredTooLarge(RoutingContext ctx) {
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
        ctx.addEndHandler(ar -> budget.release(room));
        ctx.next();
    }

    /**
     * A body must arrive within {@code dash.ingest.body-timeout} of its headers: the idle timeout alone lets a
     * sender that trickles a byte now and then hold a connection (and its buffer) for as long as it likes.
     */
    private void bodyDeadline(RoutingContext ctx) {
        long timer = ctx.vertx().setTimer(bodyTimeoutMillis, id -> {
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
        });
        ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
        ctx.next();
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
        Instant receivedAt = Instant.now();
        MultiMap h = ctx.request().headers();
        Headers.Builder headers = Headers.builder();
        h.forEach(e -> headers.add(e.getKey(), e.getValue()));
        Buffer buffer = ctx.body().buffer();
        byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
        IngestService.Request req = new IngestService.Request(
                ctx.pathParam("pipelineId"),
                headers.build(),
                body,
                h.get("content-type"),
                h.get("content-encoding"),
                receivedAt);
        service.ingest(req).subscribe().with(result -> answer(ctx, result), e -> answerError(ctx, e));
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

    /** The success body: ids and counts only (no string to escape), so it is written directly. */
    private static void answer(HttpServerResponse r, int status, boolean duplicate, UUID[] ids) {
        StringBuilder b = new StringBuilder(32 + ids.length * 40);
        b.append('{');
        if (duplicate) {
            b.append("\"duplicate\":true,");
        }
        b.append("\"accepted\":").append(duplicate ? 0 : ids.length).append(",\"event_ids\":[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(ids[i]).append('"');
        }
        b.append("]}");
        r.setStatusCode(status).putHeader("content-type", JSON).end(b.toString());
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
