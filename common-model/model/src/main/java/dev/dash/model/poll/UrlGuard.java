package dev.dash.model.poll;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a polled source may send requests (server-side request forgery). A URL must be {@code http} or
 * {@code https}, without user info, with a host name or a canonical IP literal (no decimal, octal, hex or
 * shortened IPv4 forms, which resolvers read differently); cloud metadata host names are refused; and every
 * connection goes to an address that was resolved and checked just before it: loopback, link-local
 * (169.254.169.254 included), private (RFC 1918, unique-local IPv6, carrier-grade NAT), unspecified and
 * multicast addresses are refused. An operator allow-list (host names, {@code *.suffix} patterns, CIDR
 * ranges) lets chosen destinations through, for sources inside a private network.
 */
public final class UrlGuard {
    private static final Set<String> METADATA_HOSTS = Set.of(
            "metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal");
    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    /** Anything a resolver might read as a numeric IPv4 address: digits, dots, hex and octal forms. */
    private static final Pattern NUMERIC_HOST = Pattern.compile("(0x[0-9a-f]*|\\d+)(\\.(0x[0-9a-f]*|\\d*))*\\.?");

    private final List<String> names = new ArrayList<>();
    private final List<Cidr> ranges = new ArrayList<>();

    private record Cidr(byte[] network, int bits) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    /**
     * A guard with an operator allow-list.
     *
     * @param allowed host names ({@code api.internal}), suffix patterns ({@code *.corp.example}) and CIDR
     *     ranges ({@code 10.1.0.0/16}) that may be reached even though they are private
     * @throws IllegalArgumentException for an entry that is neither
     */
    public UrlGuard(List<String> allowed) {
        for (String raw : allowed == null ? List.<String>of() : allowed) {
            String e = raw.strip().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.contains("/")) {
                String[] parts = e.split("/", 2);
                try {
                    InetAddress net = InetAddress.getByName(literal(parts[0]));
                    int bits = Integer.parseInt(parts[1]);
                    if (bits < 0 || bits > net.getAddress().length * 8) {
                        throw new IllegalArgumentException("bad prefix length in allow-list entry " + raw);
                    }
                    ranges.add(new Cidr(net.getAddress(), bits));
                } catch (UnknownHostException | NumberFormatException ex) {
                    throw new IllegalArgumentException("allow-list entry " + raw + " is not a CIDR range");
                }
            } else {
                names.add(e);
            }
        }
    }

    /** A guard without exceptions: only public destinations. */
    public static UrlGuard publicOnly() {
        return new UrlGuard(List.of());
    }

    private static String literal(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Checks what can be checked without resolving: scheme, user info, host form, metadata names, and an
     * IP literal's range.
     *
     * @param field the configuration field, for the error
     * @param url the URL
     * @throws SourceConfigException when refused
     */
    public void checkSyntax(String field, URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new SourceConfigException(field, "must be an http or https URL");
        }
        if (url.getRawUserInfo() != null) {
            throw new SourceConfigException(field, "may not contain user info (use source_config.auth)");
        }
        String host = url.getHost();
        if (host == null || host.isEmpty()) {
            throw new SourceConfigException(
                    field,
                    url.getRawAuthority() == null
                            ? "needs a host"
                            : "has a host that is neither a valid name nor a canonical IP address");
        }
        host = literal(host.toLowerCase(Locale.ROOT));
        if (nameAllowed(host)) {
            return;
        }
        if (host.contains(":")) {
            checkAddress(field, parseLiteral(field, host));
            return;
        }
        if (NUMERIC_HOST.matcher(host).matches()) {
            if (!DOTTED_QUAD.matcher(host).matches()) {
                throw new SourceConfigException(field, "uses a non-canonical numeric host " + host);
            }
            checkAddress(field, parseLiteral(field, host));
            return;
        }
        String bare = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (bare.equals("localhost") || bare.endsWith(".localhost") || METADATA_HOSTS.contains(bare)) {
            throw new SourceConfigException(field, "points at a local or metadata host (" + host + ")");
        }
    }

    private static InetAddress parseLiteral(String field, String host) {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new SourceConfigException(field, "has an invalid IP address " + host);
        }
    }

    private boolean nameAllowed(String host) {
        for (String n : names) {
            if (n.startsWith("*.") ? host.endsWith(n.substring(1)) : host.equals(n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Checks a URL and every address its host resolves to, for a client that resolves the name again itself
     * (so one public address among private ones must not open the inside).
     *
     * @param field the field to name in the refusal
     * @param url the URL
     * @return null when the URL may be called, else the reason
     */
    public String refusal(String field, URI url) {
        try {
            checkSyntax(field, url);
            String host = literal(url.getHost().toLowerCase(Locale.ROOT));
            if (nameAllowed(host)) {
                return null;
            }
            for (InetAddress a : InetAddress.getAllByName(host)) {
                checkAddress(field, a);
            }
            return null;
        } catch (SourceConfigException e) {
            return e.getMessage();
        } catch (UnknownHostException e) {
            return field + " has a host that does not resolve (" + url.getHost() + ")";
        }
    }

    /** True for an address no outgoing request may reach unless allowed: loopback, private, link-local, ... */
    public static boolean nonPublic(InetAddress a) {
        return why(a) != null;
    }

    /**
     * Resolves a host and returns the address to connect to: the first resolved address that is allowed.
     * Called for every connection, so a name that later resolves elsewhere (DNS rebinding) is caught.
     *
     * @param field the field to name in the refusal
     * @param host the host name or literal
     * @return the checked address
     * @throws SourceConfigException when no address may be reached
     * @throws UnknownHostException when the name does not resolve
     */
    public InetAddress resolve(String field, String host) throws UnknownHostException {
        String h = literal(host.toLowerCase(Locale.ROOT));
        InetAddress[] all = InetAddress.getAllByName(h);
        if (nameAllowed(h)) {
            return all[0];
        }
        SourceConfigException first = null;
        for (InetAddress a : all) {
            try {
                checkAddress(field, a);
                return a;
            } catch (SourceConfigException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        throw first;
    }

    /**
     * Refuses an address in a non-public range unless the allow-list holds it.
     *
     * @param field the field to name
     * @param a the address
     * @throws SourceConfigException when refused
     */
    public void checkAddress(String field, InetAddress a) {
        for (Cidr c : ranges) {
            if (c.contains(a)) {
                return;
            }
        }
        InetAddress v4 = a;
        if (a instanceof Inet6Address six) {
            byte[] b = six.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            if (mapped) {
                try {
                    v4 = InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        String why = why(v4);
        if (why != null) {
            throw new SourceConfigException(
                    field, "resolves to a " + why + " address (" + a.getHostAddress() + "), which is not allowed");
        }
    }

    private static String why(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            if (o0 == 0) {
                return "unspecified";
            }
            if (o0 == 100 && o1 >= 64 && o1 < 128) {
                return "carrier-grade NAT";
            }
            if (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) {
                return "reserved";
            }
            if (o0 == 198 && (o1 == 18 || o1 == 19)) {
                return "reserved";
            }
            if (o0 >= 240) {
                return "reserved";
            }
        } else if ((b[0] & 0xfe) == 0xfc) {
            return "private";
        }
        return null;
    }
}
