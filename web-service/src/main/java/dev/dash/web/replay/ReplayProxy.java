package dev.dash.web.replay;

import dev.dash.model.api.ApiError;
import dev.dash.model.api.ApiException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

/**
 * Forwards a replay API call to replay-service ({@link ReplayApiConfig#url()}) with the caller's access token
 * and answers with replay-service's status and body as they are (its {@code ApiError}s included). The URL is
 * the operator's, never the user's: only the path below it is built here, from checked ids.
 */
@ApplicationScoped
public class ReplayProxy {
    private final WebClient client;
    private final ReplayApiConfig config;
    private final URI base;

    public ReplayProxy(Vertx vertx, ReplayApiConfig config) {
        this.config = config;
        this.base = config.url()
                .map(u -> URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u))
                .orElse(null);
        this.client = WebClient.create(
                vertx,
                new WebClientOptions()
                        .setFollowRedirects(false)
                        .setConnectTimeout((int)
                                Math.min(Integer.MAX_VALUE, config.timeout().toMillis()))
                        .setUserAgent("dash-web (replay API proxy)"));
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /**
     * Calls {@code path} (below the base URL) with {@code method}, the bearer {@code token} and, when not
     * null, a JSON body.
     */
    public Uni<Response> forward(HttpMethod method, String path, String token, String body) {
        if (base == null) {
            return Uni.createFrom().failure(unavailable("replays are not available: dash.replay-api.url is not set"));
        }
        if (token == null) {
            return Uni.createFrom()
                    .failure(new ApiException(new ApiError(
                            401, "unauthorized", "no access token to call the replay API with", List.of())));
        }
        URI target = base.resolve(base.getPath() + path);
        HttpRequest<Buffer> req = client.requestAbs(method, target.toString())
                .timeout(config.timeout().toMillis())
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("Accept", MediaType.APPLICATION_JSON);
        Uni<HttpResponse<Buffer>> sent = body == null
                ? req.send()
                : req.putHeader("Content-Type", MediaType.APPLICATION_JSON).sendBuffer(Buffer.buffer(body));
        return sent.onFailure()
                .transform(e -> {
                    Log.warnf("Replay API %s %s failed: %s", method, target, e.toString());
                    return unavailable("the replay service cannot be reached; try again in a moment");
                })
                .map(ReplayProxy::answer);
    }

    private static Response answer(HttpResponse<Buffer> r) {
        Response.ResponseBuilder out = Response.status(r.statusCode());
        Buffer body = r.body();
        if (body != null && body.length() > 0) {
            String type = r.getHeader("Content-Type");
            out.entity(body.getBytes()).type(type == null ? MediaType.APPLICATION_JSON : type);
        }
        String retryAfter = r.getHeader("Retry-After");
        if (retryAfter != null) {
            out.header("Retry-After", retryAfter);
        }
        return out.build();
    }

    static ApiException unavailable(String message) {
        return new ApiException(new ApiError(503, "unavailable", message, List.of()));
    }
}
