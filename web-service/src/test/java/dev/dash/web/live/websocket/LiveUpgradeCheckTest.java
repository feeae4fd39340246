package dev.dash.web.live.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LiveUpgradeCheckTest {
    @ParameterizedTest
    @CsvSource(
            nullValues = "null",
            value = {
                "http://dash.example.com, dash.example.com, true",
                "https://dash.example.com:8443, dash.example.com:8443, true",
                "http://127.0.0.1:18090, 127.0.0.1:18090, true",
                "http://DASH.example.com, dash.example.com, true",
                "https://evil.example.net, dash.example.com, false",
                "http://dash.example.com:9999, dash.example.com, false",
                "http://dash.example.com.evil.net, dash.example.com, false",
                "null, dash.example.com, false",
                "http://dash.example.com, null, false",
                "not a uri at all, dash.example.com, false"
            })
    void aCookieUpgradeMustComeFromAPageOfThisServer(String origin, String host, boolean same) {
        assertThat(LiveUpgradeCheck.sameOrigin(origin, host)).isEqualTo(same);
    }
}
