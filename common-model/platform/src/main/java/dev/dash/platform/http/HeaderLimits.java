package dev.dash.platform.http;

import dev.dash.model.api.ApiError;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * Refuses a request whose header section is larger than {@link #MAX_HEADER_BYTES} with a JSON 431, before any
 * other route (authentication included) reads it. Vert.x's own codec limit ({@code
 * quarkus.http.limits.max-header-size}, set to {@link #CODEC_HARD_STOP} by the services) stays above it as the
 * hard stop that bounds memory per connection: only header sections beyond that get Vert.x's body-less 431.
 */
public final class HeaderLimits {
    /** The documented limit of a request's header section: names, values and separators. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** What the services set as {@code quarkus.http.limits.max-header-size}. */
    public static final int CODEC_HARD_STOP = 64 * 1024;

    private HeaderLimits() {}

    /**
     * Registers the check.
     *
     * @param router the service's main router
     */
    public static void install(Router router) {
        router.route().order(SecurityHeaders.ORDER + 1).handler(ctx -> {
            long size = 0;
            for (Map.Entry<String, String> e : ctx.request().headers()) {
                size += e.getKey().length() + e.getValue().length() + 4L;
            }
            if (size > MAX_HEADER_BYTES) {
                ctx.response().putHeader("Connection", "close");
                JsonRefusals.send(
                        ctx,
                        new ApiError(
                                431,
                                "headers_too_large",
                                "the request headers exceed " + MAX_HEADER_BYTES + " bytes",
                                List.of(new dev.dash.model.api.FieldError(
                                        "headers", "exceed " + MAX_HEADER_BYTES + " bytes"))));
                return;
            }
            ctx.next();
        });
    }
}
