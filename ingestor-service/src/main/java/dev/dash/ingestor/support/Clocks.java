package dev.dash.ingestor.support;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Clock;

/** The clock that time-based decisions read (rotation by age), injected so tests can drive it. */
@ApplicationScoped
public class Clocks {
    @Produces
    @ApplicationScoped
    Clock clock() {
        return Clock.systemUTC();
    }
}
