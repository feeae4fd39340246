package dev.dash.web.auth;

import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Whether a browser request comes from this site: its {@code Origin} (or, without one, {@code Sec-Fetch-Site})
 * names the scheme, host and port it was sent to, or an origin the operator trusts. The defence against
 * cross-site request forgery and cross-site WebSocket hijacking for everything the session cookie
 * authenticates; bearer-token calls need none (a browser never attaches a token by itself).
 */
public final class SameOrigin {
    private SameOrigin() {}

    /** Whether a request carries the browser session cookie and no bearer token. */
    public static boolean cookieAuthenticated(HttpServerRequest request) {
        if (request.getHeader("Authorization") != null) {
            return false;
        }
        String cookies = request.getHeader("Cookie");
        return cookies != null && cookies.contains("q_session_web");
    }

    /**
     * Whether the request's origin is this server's (or trusted).
     *
     * @param request the request
     * @param trusted further trusted origins
     * @return true when the browser says the request comes from this site
     */
    public static boolean check(HttpServerRequest request, List<String> trusted) {
        String origin = request.getHeader("Origin");
        if (origin == null) {
            // Browsers send Origin with every state-changing fetch and form post, and with every WebSocket
            // upgrade; without it only the fetch metadata can vouch.
            return "same-origin".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"));
        }
        return matches(origin, request.isSSL() ? "https" : "http", request.getHeader("Host"), trusted);
    }

    /**
     * Whether {@code origin} is {@code scheme://host} or one of {@code trusted}; default ports are implied.
     *
     * @param origin the {@code Origin} header ({@code null} as a string for opaque origins)
     * @param scheme the scheme the request arrived with
     * @param host the {@code Host} header
     * @param trusted further trusted origins
     * @return whether it matches
     */
    public static boolean matches(String origin, String scheme, String host, List<String> trusted) {
        String o = normalize(origin);
        if (o == null) {
            return false;
        }
        if (host != null && o.equals(normalize(scheme + "://" + host))) {
            return true;
        }
        for (String t : trusted) {
            if (o.equals(normalize(t))) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String origin) {
        if (origin == null || origin.isBlank() || origin.strip().equals("null")) {
            return null;
        }
        try {
            URI u = URI.create(origin.strip());
            String scheme = u.getScheme() == null ? null : u.getScheme().toLowerCase(Locale.ROOT);
            if (u.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
                return null;
            }
            if (u.getRawPath() != null
                    && !u.getRawPath().isEmpty()
                    && !u.getRawPath().equals("/")) {
                return null;
            }
            int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
