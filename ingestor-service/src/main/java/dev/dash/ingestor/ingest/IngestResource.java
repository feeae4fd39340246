package dev.dash.ingestor.ingest;

import dev.dash.ingestor.config.IngestorConfig;
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
import java.util.concurrent.CompletionException;

/**
 * {@code POST /ingest/{pipelineId}}: the HTTP side of ingest (docs/ingest.md). A plain Vert.x route rather
 * than a JAX-RS resource, to own the body limit (a JSON 413 before the body is buffered), run on the event
 * loop without a dispatch, and answer when Kafka's acknowledgement arrives. The decisions live in
 * {@link IngestService}; this class maps them to status codes, headers and bodies, never a stack trace.
 */
@ApplicationScoped
public class IngestResource {
    private static final String JSON = "application/json";
    private static final String PATH = "/ingest/:pipelineId";
    /** Quarkus's {@code RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT} (a runtime-internal class). */
    private static final int UPLOAD_LIMIT_ORDER = -2;

    private final IngestService service;
    private final long maxBodySize;
    private final long workerThreshold;
    private final BodyBudget budget;
    private final String retryAfter;
    private final long bodyTimeoutMillis;

    public IngestResource(IngestService service, IngestorConfig config) {
        this.service = service;
        this.maxBodySize = config.ingest().maxBodySize().asLongValue();
        this.workerThreshold = config.ingest().workerThreshold().asLongValue();
        this.budget = new BodyBudget(config.ingest().maxBufferedBytes().asLongValue());
        this.retryAfter = Long.toString(Math.max(1, config.ingest().retryAfter().toSeconds()));
        this.bodyTimeoutMillis = config.ingest().bodyTimeout().toMillis();
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
        // here before the shared fallback for body-less refusals (dev.dash.model.http.JsonRefusals).
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
        if (body.length > workerThreshold) {
            // Verifying and parsing a large batch takes milliseconds: not on the event loop.
            prepareOnWorker(ctx, req);
            return;
        }
        Object prepared;
        try {
            prepared = service.prepare(req, false);
        } catch (QuotaLimiter.NeedsLease e) {
            // The node's share of the quota ran out: the next share comes from the database, not on the event loop.
            prepareOnWorker(ctx, req);
            return;
        } catch (RuntimeException e) {
            answerError(ctx, e);
            return;
        }
        proceed(ctx, prepared);
    }

    private void prepareOnWorker(RoutingContext ctx, IngestService.Request req) {
        ctx.vertx()
                .<Object>executeBlocking(() -> service.prepare(req, true), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        answerError(ctx, ar.cause());
                    } else {
                        proceed(ctx, ar.result());
                    }
                });
    }

    private void proceed(RoutingContext ctx, Object prepared) {
        if (prepared instanceof IngestService.Outcome o) {
            answer(ctx, o);
            return;
        }
        service.publish((IngestService.Prepared) prepared).whenComplete((o, e) -> {
            if (e != null) {
                answerError(ctx, e);
            } else {
                answer(ctx, o);
            }
        });
    }

    private void answer(RoutingContext ctx, IngestService.Outcome o) {
        HttpServerResponse r = ctx.response();
        if (r.ended()) {
            return;
        }
        if (o.challenge() != null) {
            r.setStatusCode(200)
                    .putHeader("content-type", o.challenge().contentType())
                    .end(Buffer.buffer(o.challenge().body()));
            return;
        }
        StringBuilder b = new StringBuilder(32 + o.eventIds().length * 40);
        b.append('{');
        if (o.status() == 200) {
            b.append("\"duplicate\":true,");
        }
        b.append("\"accepted\":")
                .append(o.status() == 202 ? o.eventIds().length : 0)
                .append(",\"event_ids\":[");
        for (int i = 0; i < o.eventIds().length; i++) {
            if (i > 0) {
                b.append(',');
            }
            UUID id = o.eventIds()[i];
            b.append('"').append(id).append('"');
        }
        b.append("]}");
        r.setStatusCode(o.status()).putHeader("content-type", JSON).end(b.toString());
    }

    private void answerError(RoutingContext ctx, Throwable e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
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
        StringBuilder b = new StringBuilder(160);
        b.append("{\"status\":").append(r.status()).append(",\"error\":");
        quote(b, r.error());
        b.append(",\"message\":");
        quote(b, r.getMessage());
        if (r.field() != null) {
            b.append(",\"fields\":[{\"field\":");
            quote(b, r.field());
            b.append(",\"reason\":");
            quote(b, r.getMessage());
            b.append("}]");
        }
        if (r.line() != null) {
            b.append(",\"line\":").append(r.line());
        }
        b.append('}');
        resp.setStatusCode(r.status())
                .putHeader("content-type", JSON)
                .end(Buffer.buffer(b.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
