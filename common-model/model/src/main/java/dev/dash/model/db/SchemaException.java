package dev.dash.model.db;

/** The database schema cannot be used: not reachable, not migrated yet, or not what this build expects. */
public class SchemaException extends RuntimeException {
    /**
     * @param message what is wrong, for logs and health checks
     * @param cause the underlying failure, may be null
     */
    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
