package dev.dash.web.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class HibernateNoiseTest {
    private final HibernateNoise filter = new HibernateNoise();

    private boolean passes(String message) {
        return filter.isLoggable(new LogRecord(Level.WARNING, message));
    }

    @Test
    void dropsOnlyTheThreeWarningsThatSayNothingAboutTheService() {
        assertThat(passes("HHH90000034: Refreshing/locking detached entities is no longer allowed."))
                .isFalse();
        assertThat(passes("HHH90010101: Closing shared session with unprocessed transaction completion actions"))
                .isFalse();
        assertThat(passes("HHH90010108: Closing session with unprocessed clean up bulk operations, forcing their"
                        + " execution"))
                .isFalse();
        // Hibernate's other warnings, deprecations included, and everything else pass.
        assertThat(passes("HHH90000025: PostgreSQLDialect does not need to be specified explicitly"))
                .isTrue();
        assertThat(passes("HHH000104: firstResult/maxResults specified with collection fetch"))
                .isTrue();
        assertThat(passes("HHH900")).isTrue();
        assertThat(passes("Team %s (%s) created by %s")).isTrue();
        assertThat(passes(null)).isTrue();
    }
}
