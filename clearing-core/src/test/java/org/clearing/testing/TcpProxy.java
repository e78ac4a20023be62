package org.clearing.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between the engine and its PostgreSQL that a test can cut, standing where HAProxy
 * stands in front of a Patroni cluster. While the leader is gone HAProxy has no server for the
 * write port: it closes the sessions it had and accepts new connections only to close them. Cut,
 * this relay does the same; restored, it relays to the database again, as HAProxy does to the
 * new leader. What the engine sees is what it would see in a failover: its connections dropped
 * mid-statement and no new one getting through for a while.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean cut;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "tcp-proxy-accept-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A relay to the host and port of {@code pgUrl}; {@link #url} is that URL through the relay. */
  public static TcpProxy to(String pgUrl) {
    URI uri = URI.create(pgUrl);
    try {
      return new TcpProxy(new InetSocketAddress(uri.getHost(), uri.getPort()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen for the relay", e);
    }
  }

  /** {@code pgUrl} with its host and port replaced by the relay's. */
  public String url(String pgUrl) {
    URI uri = URI.create(pgUrl);
    return pgUrl.replace(uri.getHost() + ":" + uri.getPort(), "127.0.0.1:" + listener.getLocalPort());
  }

  /** Drops every relayed connection and, until {@link #restore}, closes new ones at once. */
  public void cut() {
    cut = true;
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    open.clear();
  }

  public void restore() {
    cut = false;
  }

  /** Connections being relayed now (two sockets each). */
  public int connections() {
    return open.size() / 2;
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (cut) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket server = new Socket();
        server.connect(target, 5_000);
        open.add(client);
        open.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        for (int read; (read = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, read);
          out.flush();
        }
      } catch (IOException e) {
        // One side went away; the other is closed below, as a proxy would.
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump");
    thread.setDaemon(true);
    thread.start();
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Already closed.
    }
  }

  @Override
  public void close() {
    closed = true;
    cut();
    try {
      listener.close();
    } catch (IOException e) {
      // Already closed.
    }
  }
}
