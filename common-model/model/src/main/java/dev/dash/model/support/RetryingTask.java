package dev.dash.model.support;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A start-up step that depends on another system (migrating the schema, creating topics or a bucket): it is
 * retried with capped exponential backoff ({@link Backoff}) on a daemon thread until it succeeds, so a service starts even
 * while a dependency is down and its readiness tells why it is not ready yet.
 *
 * @param <T> what the step yields
 */
public final class RetryingTask<T> {
    private final String name;
    private final Callable<T> step;
    private final Duration maxBackoff;
    private final Consumer<Throwable> onFailure;
    private volatile T result;
    private volatile Throwable lastFailure;
    private volatile int attempts;
    private volatile Thread thread;

    /**
     * @param name what the step does, for logs and health checks
     * @param step the work; any exception means "try again"
     * @param maxBackoff the longest pause between attempts
     * @param onFailure told of each failed attempt (e.g. to log it)
     */
    public RetryingTask(String name, Callable<T> step, Duration maxBackoff, Consumer<Throwable> onFailure) {
        this.name = Objects.requireNonNull(name);
        this.step = Objects.requireNonNull(step);
        this.maxBackoff = Objects.requireNonNull(maxBackoff);
        this.onFailure = Objects.requireNonNull(onFailure);
    }

    /** Starts the attempts on a daemon thread; a second call does nothing. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = new Thread(this::loop, "dash-startup-" + name.replace(' ', '-'));
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops retrying (at shutdown). */
    public void stop() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    /** True once the step has succeeded. */
    public boolean done() {
        return result != null;
    }

    /** The step's result, or null while it has not succeeded. */
    public T result() {
        return result;
    }

    /** The last failure, or null. */
    public Throwable lastFailure() {
        return lastFailure;
    }

    /** How many attempts have been made. */
    public int attempts() {
        return attempts;
    }

    /** What the step does. */
    public String name() {
        return name;
    }

    private void loop() {
        Backoff backoff = Backoff.upTo(maxBackoff);
        int failures = 0;
        while (!Thread.currentThread().isInterrupted()) {
            attempts++;
            try {
                T value = step.call();
                result = Objects.requireNonNull(value, "a startup step must yield a value");
                lastFailure = null;
                return;
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                lastFailure = e;
                onFailure.accept(e);
            }
            try {
                Thread.sleep(backoff.delay(++failures).toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
