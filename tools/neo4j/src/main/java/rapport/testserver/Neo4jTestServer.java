package rapport.testserver;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Neo4j 5 Community, in-process, for Rapport's tests and benchmarks.
 *
 * <p>Usage: {@code Neo4jTestServer PORT} (0 picks a free port). Bolt listens on 127.0.0.1
 * only, HTTP and HTTPS are off, the data lives in a throwaway directory that is deleted at
 * exit. With {@code NEO4J_PASSWORD} set (8 characters or more) auth is on for user
 * {@code neo4j}; without it auth is off. {@code NEO4J_PAGECACHE_MB} sizes the page cache
 * (default 128). It prints {@code ready bolt://127.0.0.1:PORT} once a Bolt client can
 * connect, and stops cleanly on SIGTERM, on SIGINT, and when the process that started it
 * dies (so a killed test run never leaves a server behind).
 */
public final class Neo4jTestServer {

    private static final String HOST = "127.0.0.1";

    private Neo4jTestServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: serve PORT   (0 picks a free port)");
            System.exit(2);
        }
        int port;
        try {
            port = Integer.parseInt(args[0]);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            System.err.println("PORT must be a number from 0 to 65535, not " + args[0]);
            System.exit(2);
        }
        if (port == 0) {
            port = freePort();
        }
        String password = Optional.ofNullable(System.getenv("NEO4J_PASSWORD")).filter(p -> !p.isEmpty()).orElse(null);
        if (password != null && password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must have at least 8 characters (Neo4j's rule)");
            System.exit(2);
        }
        long pageCacheMb = Long.parseLong(Optional.ofNullable(System.getenv("NEO4J_PAGECACHE_MB")).orElse("128"));

        // From the start: a parent killed while the server is still starting leaves no orphan.
        watchParent();
        long started = System.nanoTime();
        Path home = Files.createTempDirectory("rapport-neo4j-");
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, password != null)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pageCacheMb))
                // Throwaway data: keep no transaction log history beyond what recovery needs.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                .build();

        CountDownLatch stop = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean(false);
        Runnable shutdown = () -> {
            if (stopped.compareAndSet(false, true)) {
                try {
                    dbms.shutdown();
                } finally {
                    deleteQuietly(home);
                    stop.countDown();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "neo4j-shutdown"));

        if (password != null) {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        }
        waitForBolt(port, Duration.ofSeconds(60));
        System.out.printf("ready bolt://%s:%d%n", HOST, port);
        System.out.printf("started in %.1f s, data in %s%n", (System.nanoTime() - started) / 1e9, home);
        System.out.flush();
        stop.await();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
    }

    /** Until a Bolt handshake succeeds: the magic preamble and one offered version, 5.x. */
    private static void waitForBolt(int port, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 1000);
                socket.setSoTimeout(2000);
                OutputStream out = socket.getOutputStream();
                byte[] handshake = {
                    0x60, 0x60, (byte) 0xB0, 0x17,
                    0x00, 0x04, 0x04, 0x05, // 5.0 to 5.4
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                };
                out.write(handshake);
                out.flush();
                int agreed = new DataInputStream(socket.getInputStream()).readInt();
                if (agreed != 0) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Bolt did not answer on port " + port + " within " + limit, last);
    }

    /** Exit (running the shutdown hook) once the process that started this one is gone. */
    private static void watchParent() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        long parentPid = parent.map(ProcessHandle::pid).orElse(-1L);
        Thread watcher = new Thread(() -> {
            while (true) {
                Optional<ProcessHandle> now = ProcessHandle.current().parent();
                boolean gone = now.isEmpty() || now.get().pid() != parentPid || !now.get().isAlive();
                if (gone) {
                    System.err.println("the process that started the Neo4j test server is gone: stopping");
                    System.exit(0);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "parent-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void deleteQuietly(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
