package dev.dash.model.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UrlGuardTest {
    final UrlGuard guard = UrlGuard.publicOnly();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1/x",
                "http://127.1/x",
                "http://2130706433/x",
                "http://0x7f000001/x",
                "http://0177.0.0.1/x",
                "http://[::1]/x",
                "http://[::ffff:127.0.0.1]/x",
                "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.5/x",
                "http://172.16.3.4/x",
                "http://192.168.1.1/x",
                "http://100.64.0.1/x",
                "http://0.0.0.0/x",
                "http://[fd00::1]/x",
                "http://[fe80::1]/x",
                "http://localhost:8080/x",
                "http://api.localhost/x",
                "http://metadata.google.internal/computeMetadata/v1/",
                "http://user:pass@example.com/x",
                "ftp://example.com/x",
                "file:///etc/passwd",
                "gopher://example.com/x"
            })
    void refusesPrivateLocalMetadataAndOddUrls(String url) {
        assertThatThrownBy(() -> guard.checkSyntax("source_config.url", URI.create(url)))
                .isInstanceOf(SourceConfigException.class)
                .extracting(e -> ((SourceConfigException) e).field())
                .isEqualTo("source_config.url");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"https://api.example.com/v1/items?x=1", "http://93.184.216.34/x", "https://[2606:4700::1111]/"})
    void acceptsPublicDestinations(String url) {
        assertThatNoException().isThrownBy(() -> guard.checkSyntax("source_config.url", URI.create(url)));
    }

    @Test
    void theAllowListLetsNamedHostsAndRangesThrough() throws Exception {
        UrlGuard allowing = new UrlGuard(List.of("localhost", "*.corp.internal", "10.1.0.0/16"));
        allowing.checkSyntax("u", URI.create("http://localhost:9000/"));
        allowing.checkSyntax("u", URI.create("http://api.corp.internal/"));
        allowing.checkSyntax("u", URI.create("http://10.1.2.3/"));
        assertThatThrownBy(() -> allowing.checkSyntax("u", URI.create("http://10.2.0.1/")))
                .isInstanceOf(SourceConfigException.class);
        assertThatThrownBy(() -> allowing.checkSyntax("u", URI.create("http://127.0.0.1/")))
                .isInstanceOf(SourceConfigException.class);
        assertThat(allowing.resolve("u", "localhost").isLoopbackAddress()).isTrue();
    }

    @Test
    void resolvedAddressesAreCheckedAtConnectionTime() {
        // A public-looking name that resolves to loopback is refused when the connection is made.
        assertThatThrownBy(() -> guard.resolve("source_config.url", "localhost"))
                .isInstanceOf(SourceConfigException.class)
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> guard.checkAddress("u", InetAddress.getByName("169.254.169.254")))
                .hasMessageContaining("link-local");
    }
}
