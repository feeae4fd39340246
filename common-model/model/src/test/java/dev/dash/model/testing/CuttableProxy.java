package dev.dash.model.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of one shared service, which a test cuts and restores: while cut, its port refuses
 * connections and every connection through it is closed, as when the service behind it is down; the service
 * itself keeps running for everyone else (several test runs and installations share it). For HTTP services
 * such as the S3 server, whose clients connect to the address they were given; not for Kafka, whose clients
 * connect to the addresses the broker advertises (use a private broker there, {@link ThrowawayServices}).
 */
public final class CuttableProxy implements AutoCloseable {
    private final String upstreamHost;
    private final int upstreamPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;

    /**
     * Starts a proxy on a free local port.
     *
     * @param upstreamHost the service's host
     * @param upstreamPort the service's port
     */
    public CuttableProxy(String upstreamHost, int upstreamPort) {
        this.upstreamHost = upstreamHost;
        this.upstreamPort = upstreamPort;
        try {
            this.port = PackagedService.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        listen();
    }

    /** The local port clients use instead of the service's. */
    public int port() {
        return port;
    }

    /** Cuts the link: the port refuses connections and open connections are closed. */
    public synchronized void cut() {
        ServerSocket s = server;
        server = null;
        closeQuietly(s);
        open.forEach(CuttableProxy::closeQuietly);
        open.clear();
    }

    /** Restores the link: the port accepts and forwards again. */
    public synchronized void restore() {
        if (server == null) {
            listen();
        }
    }

    /** Whether the link is cut. */
    public boolean isCut() {
        return server == null;
    }

    @Override
    public void close() {
        cut();
    }

    private void listen() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            server = s;
            Thread t = new Thread(() -> accept(s), "cuttable-proxy-" + port);
            t.setDaemon(true);
            t.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            Socket client;
            try {
                client = s.accept();
            } catch (IOException e) {
                return; // cut
            }
            try {
                Socket upstream = new Socket(upstreamHost, upstreamPort);
                open.add(client);
                open.add(upstream);
                if (server != s) { // cut meanwhile
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            out.write(buffer, 0, n);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // closed by either side or by cut()
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        open.remove(from);
                        open.remove(to);
                    }
                },
                "cuttable-proxy-pump-" + port);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
