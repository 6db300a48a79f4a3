package dev.kvasir.server;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.model.Model;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

/**
 * A real server on a free loopback port, for integration tests, plus raw HTTP helpers. Models
 * are loaded once per test JVM and shared (the weights are read-only).
 */
final class TestServer implements AutoCloseable {
    private static final Map<Path, Model> MODELS = new ConcurrentHashMap<>();

    final KvasirServer server;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(KvasirServer server) {
        this.server = server;
    }

    static Model stories() {
        return MODELS.computeIfAbsent(TestResources.stories260k(), Model::load);
    }

    static Model smol() {
        return MODELS.computeIfAbsent(TestResources.defaultModel(), Model::load);
    }

    /** Loopback, a free port, 2 threads; the rest as given. */
    static ServerConfig config() {
        return ServerConfig.defaults().withPort(0).withThreads(2);
    }

    static TestServer start(Model model, ServerConfig config) {
        return new TestServer(KvasirServer.start(model, config));
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(60)).GET();
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one Prometheus sample, e.g. {@code kvasir_requests_total{endpoint="models",status="200"}}; 0 when absent. */
    double metric(String name, String... labels) throws IOException, InterruptedException {
        return Metrics.value(get("/metrics").body(), name, labels);
    }

    @Override
    public void close() {
        server.close();
        http.close();
    }
}
