package dev.dash.bench.baseline;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/** {@code POST /ingest/{id}}: reads the body as the ingestor does (same body handler), answers 202. */
@ApplicationScoped
public class BaselineResource {
    void routes(@Observes Router router) {
        router.post("/ingest/:pipelineId")
                .handler(BodyHandler.create(false).setBodyLimit(16 * 1024 * 1024))
                .handler(ctx -> ctx.response()
                        .setStatusCode(202)
                        .putHeader("content-type", "application/json")
                        .end("{\"accepted\":1}"));
    }
}
