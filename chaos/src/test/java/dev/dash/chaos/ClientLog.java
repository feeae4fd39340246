package dev.dash.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every answer the load's clients got (or the failure instead of one), in arrival order, so that each fault's
 * window can be summarised: which status codes, how many carried {@code Retry-After}, and the longest stretch
 * without a single 2xx.
 */
final class ClientLog {
    /** One answer. {@code status} 0 = no answer (connection refused or reset, timeout). */
    record Outcome(long atMillis, String node, int status, String error, boolean retryAfter, boolean large) {
        String kind() {
            if (status == 0) {
                return error == null ? "no answer" : error;
            }
            return error == null ? String.valueOf(status) : status + " " + error;
        }
    }

    /** A window's summary. */
    record Summary(
            long requests,
            long ok,
            Map<String, Long> byKind,
            long refusalsWithRetryAfter,
            long refusalsNeedingRetryAfter,
            long longestWithoutOkMillis) {
        String kinds() {
            StringBuilder b = new StringBuilder();
            byKind.forEach((k, v) ->
                    b.append(b.length() == 0 ? "" : ", ").append(k).append(": ").append(v));
            return b.toString();
        }
    }

    private final List<Outcome> outcomes = new ArrayList<>();

    synchronized void add(Outcome o) {
        outcomes.add(o);
    }

    synchronized List<Outcome> between(long from, long to) {
        List<Outcome> out = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.atMillis() >= from && o.atMillis() < to) {
                out.add(o);
            }
        }
        return out;
    }

    Summary summarise(long from, long to) {
        List<Outcome> w = between(from, to);
        Map<String, Long> byKind = new TreeMap<>();
        long ok = 0;
        long withRetryAfter = 0;
        long needing = 0;
        long lastOk = from;
        long longest = 0;
        for (Outcome o : w) {
            byKind.merge(o.kind(), 1L, Long::sum);
            if (o.status() / 100 == 2) {
                ok++;
                longest = Math.max(longest, o.atMillis() - lastOk);
                lastOk = o.atMillis();
            }
            if (o.status() == 503 || o.status() == 429) {
                needing++;
                if (o.retryAfter()) {
                    withRetryAfter++;
                }
            }
        }
        longest = Math.max(longest, Math.max(0, to - lastOk));
        return new Summary(w.size(), ok, byKind, withRetryAfter, needing, longest);
    }
}
