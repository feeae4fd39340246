package dev.dash.model.kafka.runtime;

/**
 * Thrown by a {@link SinkTask} when a dependency failed for now (a database, S3): the runtime pauses every
 * partition and calls the same method again after back-off, instead of starting the consumer again.
 */
public class RetryLater extends RuntimeException {
    public RetryLater(String message, Throwable cause) {
        super(message, cause);
    }

    public RetryLater(String message) {
        super(message);
    }
}
