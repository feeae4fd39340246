package dev.dash.ingestor.sink;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Keeps outgoing requests away from the inside of the deployment: a host that resolves to a loopback,
 * private, link-local (cloud metadata: 169.254.169.254), shared (100.64/10), unique-local, multicast or
 * unspecified address is refused unless an operator allowed it by address, range or host name. Every
 * resolved address is checked, so a name with one public and one private address is refused.
 */
public final class DestinationGuard {
    private final List<String> hosts = new ArrayList<>();
    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();

    /** @param allowed IP addresses, CIDR ranges or host names allowed although not public */
    public DestinationGuard(List<String> allowed) {
        for (String a : allowed) {
            String s = a.strip();
            if (s.isEmpty()) {
                continue;
            }
            int slash = s.indexOf('/');
            String addr = slash < 0 ? s : s.substring(0, slash);
            if (addr.matches("[0-9.]+") || addr.contains(":")) {
                try {
                    byte[] b = InetAddress.getByName(addr).getAddress();
                    networks.add(b);
                    prefixes.add(slash < 0 ? b.length * 8 : Integer.parseInt(s.substring(slash + 1)));
                } catch (UnknownHostException | NumberFormatException e) {
                    throw new IllegalArgumentException("not an address or range: " + s);
                }
            } else {
                hosts.add(s.toLowerCase(Locale.ROOT));
            }
        }
    }

    /** Null when the URL may be called, else why not. */
    public String refusal(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return "the URL has no host";
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (hosts.contains(h)) {
            return null;
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(h);
        } catch (UnknownHostException e) {
            return "host " + host + " does not resolve";
        }
        for (InetAddress a : addresses) {
            if (internal(a) && !allowed(a.getAddress())) {
                return "host " + host + " resolves to the non-public address " + a.getHostAddress()
                        + " (not in dash.sinks.http.allowed-destinations)";
            }
        }
        return null;
    }

    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress()
                || a.isSiteLocalAddress()
                || a.isLinkLocalAddress()
                || a.isAnyLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240;
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc; // unique local fc00::/7
        }
        return false;
    }

    private boolean allowed(byte[] address) {
        for (int i = 0; i < networks.size(); i++) {
            byte[] n = networks.get(i);
            if (n.length == address.length && samePrefix(n, address, prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean samePrefix(byte[] a, byte[] b, int bits) {
        for (int i = 0; i < a.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) {
                return false;
            }
        }
        return true;
    }
}
