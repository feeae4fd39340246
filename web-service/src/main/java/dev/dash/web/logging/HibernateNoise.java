package dev.dash.web.logging;

import io.quarkus.logging.LoggingFilter;
import java.util.Set;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops three warnings that Hibernate ORM 7.2 and Hibernate Reactive 3.2 log for every transaction or lock of this
 * service, and that say nothing about it:
 *
 * <ul>
 *   <li>{@code HHH90000034} ("Refreshing/locking detached entities is no longer allowed"): Hibernate Reactive asks
 *       {@code SessionFactoryOptions.isAllowRefreshDetachedEntity()} on every refresh and pessimistic lock, and that
 *       deprecated method logs the warning whatever the entity. The entities are managed (Hibernate Reactive throws
 *       "Unmanaged instance passed to refresh()" otherwise), and the service no longer refreshes after an insert
 *       ({@code @Generated} columns come back with the {@code INSERT}).
 *   <li>{@code HHH90010101} and {@code HHH90010108} ("Closing shared session with unprocessed transaction completion
 *       actions", "... clean up bulk operations"): logged when Quarkus closes the reactive session after every
 *       committed transaction since ORM 7.2's child-session semantics; an open upstream issue
 *       (quarkusio/quarkus#52580). The transaction is committed before that.
 * </ul>
 *
 * Every other record passes, Hibernate's other warnings included. Bound to the console and file handlers in
 * {@code application.properties}.
 */
@LoggingFilter(name = "hibernate-noise")
public final class HibernateNoise implements Filter {
    private static final Set<String> DROPPED = Set.of("HHH90000034", "HHH90010101", "HHH90010108");

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        if (message == null || !message.startsWith("HHH900") || message.length() < 11) {
            return true;
        }
        return !DROPPED.contains(message.substring(0, 11));
    }
}
