package dev.dash.replay.job;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One connection of the pool, handed out again and again to one replay writer thread (docs/replay.md, step 3): its
 * {@code close()} keeps it, {@link #discard()} (after a failed write, whose connection is not trusted) and {@link
 * #close()} give it back. A writer taking a pooled connection per batch went through every idle connection of the
 * pool in turn, so each batch ran on a PostgreSQL backend whose private state (caches, prepared statements, the pages
 * of shared buffers it had mapped: a first touch of each is a page fault) another batch had warmed; pinned, each
 * writer's batches run on one backend for the whole job. Not shared between threads.
 */
final class PinnedDataSource implements DataSource, AutoCloseable {
    private final DataSource pool;
    private Connection held;
    private Connection handle;

    PinnedDataSource(DataSource pool) {
        this.pool = pool;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (held == null || held.isClosed()) {
            Connection c = pool.getConnection();
            held = c;
            handle = (Connection) Proxy.newProxyInstance(
                    Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        if (method.getName().equals("close") && method.getParameterCount() == 0) {
                            return null; // kept for the next batch
                        }
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
        return handle;
    }

    /** Gives the connection back to the pool; the next {@link #getConnection()} takes another. */
    void discard() {
        Connection c = held;
        held = null;
        handle = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // a broken connection: the pool drops it
            }
        }
    }

    @Override
    public void close() {
        discard();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("a pinned connection has the pool's credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return pool.isWrapperFor(iface);
    }
}
