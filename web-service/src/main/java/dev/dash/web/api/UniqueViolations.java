package dev.dash.web.api;

import dev.dash.model.api.ApiException;
import io.vertx.pgclient.PgException;
import java.sql.SQLException;
import org.hibernate.JDBCException;

/**
 * A unique violation (SQLSTATE 23505) told apart from other failures, whichever client raised it: the Vert.x
 * reactive client's {@link PgException}, or Hibernate Reactive, which wraps it (in a {@code
 * ConstraintViolationException}) when a Panache repository flushes, so the causes are searched.
 */
public final class UniqueViolations {
    private UniqueViolations() {}

    /** Whether {@code e} or one of its causes is a unique violation. */
    public static boolean is(Throwable e) {
        return hasSqlState(e, "23505");
    }

    /** Whether {@code e} or one of its causes is a database failure with SQLSTATE {@code sqlState}. */
    public static boolean hasSqlState(Throwable e, String sqlState) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException p && sqlState.equals(p.getSqlState())
                    || t instanceof SQLException s && sqlState.equals(s.getSQLState())
                    || t instanceof JDBCException j && sqlState.equals(j.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A unique violation as 409 on {@code field}; anything else unchanged. */
    public static Throwable asConflict(Throwable e, String field, String reason) {
        return is(e) ? ApiException.conflict(field, reason) : e;
    }
}
