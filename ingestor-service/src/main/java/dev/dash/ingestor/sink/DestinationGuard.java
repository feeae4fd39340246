package dev.dash.ingestor.sink;

import dev.dash.model.poll.UrlGuard;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;

/**
 * Keeps outgoing deliveries away from the inside of the deployment, with the same {@link UrlGuard} that polled
 * sources use: http(s) only, no user info, no non-canonical numeric or metadata hosts, and a host that resolves
 * to a loopback, private, link-local (cloud metadata: 169.254.169.254), shared (100.64/10), unique-local,
 * multicast or unspecified address is refused unless an operator allowed it by host name or range. Every
 * resolved address is checked, so a name with one public and one private address is refused.
 */
public final class DestinationGuard {
    private final UrlGuard guard;

    /** @param allowed host names, {@code *.suffix} patterns or CIDR ranges allowed although not public */
    public DestinationGuard(List<String> allowed) {
        this.guard = new UrlGuard(allowed);
    }

    /** Null when the URL may be called, else why not. */
    public String refusal(URI uri) {
        String why = guard.refusal("the sink URL", uri);
        return why == null ? null : why + " (see dash.sinks.http.allowed-destinations)";
    }

    /**
     * Resolves the URL's host again and returns a checked address to connect to, so the connection goes where
     * the check looked (a name that resolves elsewhere a moment later, DNS rebinding, gains nothing).
     *
     * @throws dev.dash.model.poll.SourceConfigException when no resolved address may be reached
     * @throws java.net.UnknownHostException when the name does not resolve
     */
    public InetAddress address(URI uri) throws java.net.UnknownHostException {
        return guard.resolve("the sink URL", uri.getHost());
    }

    static boolean internal(InetAddress a) {
        return UrlGuard.nonPublic(a);
    }
}
