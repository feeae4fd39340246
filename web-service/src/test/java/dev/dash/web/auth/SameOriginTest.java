package dev.dash.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which {@code Origin} a cookie-authenticated change or WebSocket upgrade may come from. */
class SameOriginTest {
    @ParameterizedTest
    @CsvSource(
            nullValues = "nil",
            value = {
                "http://dash.example.com, http, dash.example.com, true",
                "https://dash.example.com, https, dash.example.com, true",
                "https://dash.example.com, https, dash.example.com:443, true",
                "https://dash.example.com:8443, https, dash.example.com:8443, true",
                "http://127.0.0.1:18090, http, 127.0.0.1:18090, true",
                "http://DASH.example.com, http, dash.example.com, true",
                "https://ui.example.com, https, dash.example.com, true",
                "http://dash.example.com, https, dash.example.com, false",
                "https://evil.example.net, https, dash.example.com, false",
                "http://dash.example.com:9999, http, dash.example.com, false",
                "http://dash.example.com.evil.net, http, dash.example.com, false",
                "null, http, dash.example.com, false",
                "nil, http, dash.example.com, false",
                "http://dash.example.com, http, nil, false",
                "http://dash.example.com/path, http, dash.example.com, false",
                "file://dash.example.com, http, dash.example.com, false",
                "not a uri at all, http, dash.example.com, false"
            })
    void aCookieRequestMustComeFromThisSiteOrATrustedOne(String origin, String scheme, String host, boolean same) {
        assertThat(SameOrigin.matches(origin, scheme, host, List.of("https://ui.example.com")))
                .isEqualTo(same);
    }
}
