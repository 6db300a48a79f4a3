package dev.kvasir.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvasir.core.model.Model;
import dev.kvasir.server.api.ApiException;
import dev.kvasir.server.api.ApiKeyCheck;
import dev.kvasir.server.api.BodyPrefetchHandler;
import dev.kvasir.server.api.ClientConnection;
import dev.kvasir.server.api.CompletionEndpoint;
import dev.kvasir.server.api.CompletionRequest;
import dev.kvasir.server.api.InFlightRequests;
import dev.kvasir.server.api.InspectEndpoint;
import dev.kvasir.server.api.JsonErrorHandler;
import dev.kvasir.server.api.RequestGuard;
import dev.kvasir.server.api.ShutdownSignal;
import dev.kvasir.server.api.WebPage;
import dev.kvasir.server.api.Json;
import dev.kvasir.server.api.ModelEndpoints;
import dev.kvasir.server.api.RequestBodies;
import dev.kvasir.server.api.RequestParser;
import dev.kvasir.server.engine.InferenceEngine;
import dev.kvasir.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The OpenAI-compatible HTTP server: Javalin (Jetty) in front of an {@link InferenceEngine}.
 *
 * <ul>
 *   <li>{@code POST /v1/chat/completions}, {@code POST /v1/completions} (JSON or SSE)</li>
 *   <li>{@code POST /v1/kv/inspect}: what compression methods keep of a prompt ({@link InspectEndpoint})</li>
 *   <li>{@code GET /v1/models}, {@code GET /v1/models/{id}}</li>
 *   <li>{@code GET /health}, {@code GET /metrics} (Prometheus; neither needs the API key)</li>
 *   <li>{@code GET /}: the web page, chat and KV-cache inspector ({@link WebPage}; no key, it holds no data)</li>
 * </ul>
 * Every handler runs inside {@link #api}, which checks the key (or, without one, the
 * {@linkplain RequestGuard Host and Content-Type}), turns exceptions into OpenAI error objects and
 * counts the request by endpoint and status; Jetty's own refusals are OpenAI errors too
 * ({@link JsonErrorHandler}).
 *
 * <p>Hostile or clumsy clients: request bodies are gathered without holding a thread
 * ({@link BodyPrefetchHandler}), so stalled uploads cannot take the threads {@code /health} and
 * the other requests need; a connection silent for {@code --idle-timeout} is closed; at most
 * {@code --max-connections} are open.
 *
 * <p>{@link #shutdown(Duration)} drains: it stops accepting, refuses new requests with 503, lets
 * those in flight finish within the drain time and then ends them (streams get an error event and
 * {@code [DONE]}). The model stays the caller's: {@link #close()} stops the server and the engine
 * but does not close the model.
 */
public final class KvasirServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvasirServer.class);

    /** An endpoint body; returns the status it answered with. */
    @FunctionalInterface
    private interface ApiHandler {
        int handle(Context ctx) throws Exception;
    }

    private final ServerConfig config;
    private final InferenceEngine engine;
    private final ServerMetrics metrics;
    private final ApiKeyCheck apiKey;
    private final CompletionEndpoint completions;
    private final ModelEndpoints models;
    private final InspectEndpoint inspect;
    private final WebPage page = new WebPage();
    private final RequestGuard guard;
    private final ShutdownSignal shutdown = new ShutdownSignal();
    /** Requests being handled or answered right now (what a drain waits for). */
    private final InFlightRequests inFlight = new InFlightRequests();
    private final Object stopLock = new Object();
    private boolean stopped;
    private volatile Server jetty;
    private final Javalin app;

    private KvasirServer(Model model, ServerConfig config) {
        this.config = config;
        this.engine = new InferenceEngine(model, config.batching(), config.parallel(), config.queue(), config.maxKvMemory(),
                config.threadsPerSlot(), config.kvPrecision(), config.promptCacheMemory());
        this.metrics = new ServerMetrics(engine);
        this.apiKey = new ApiKeyCheck(config.apiKey());
        this.guard = new RequestGuard(config.apiKey() == null, config.host(), config.allowedHosts());
        String modelId = config.modelId() != null ? config.modelId() : defaultModelId(model);
        long kvTokenLimit = config.maxKvMemory() / model.config().kvBytesPerToken(config.kvPrecision(), config.kvPrecision());
        RequestParser parser = new RequestParser(model, config.defaultCompression(), kvTokenLimit);
        this.completions = new CompletionEndpoint(engine, parser, modelId, metrics, config.timeout(), config.queueTimeout(),
                shutdown);
        this.models = new ModelEndpoints(modelId, model, engine);
        this.inspect = new InspectEndpoint(engine, parser, model, modelId, metrics, config.timeout(), config.queueTimeout(), shutdown);
        this.app = Javalin.create(this::configure);
    }

    /** Starts a server for {@code model}; the port is {@link #port()} (useful with port 0). */
    public static KvasirServer start(Model model, ServerConfig config) {
        KvasirServer s = new KvasirServer(model, config);
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.engine.close();
            throw new IllegalStateException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        return s;
    }

    private void configure(JavalinConfig c) {
        c.startup.showJavalinBanner = false;
        // compression would buffer server-sent events; responses are small JSON anyway
        c.http.compressionStrategy = CompressionStrategy.NONE;
        c.http.prefer405over404 = true;
        c.jetty.modifyServer(this::configureJetty);
        c.jetty.addConnector((server, http) -> {
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost(config.host());
            connector.setPort(config.port());
            connector.setIdleTimeout(config.idleTimeout().toMillis());
            return connector;
        });
        c.routes.post("/v1/chat/completions", ctx -> api(ctx, "chat_completions", true,
                x -> completion(x, CompletionRequest.Kind.CHAT)));
        c.routes.post("/v1/completions", ctx -> api(ctx, "completions", true, x -> completion(x, CompletionRequest.Kind.TEXT)));
        c.routes.post("/v1/kv/inspect", ctx -> api(ctx, "kv_inspect", true, this::inspect));
        c.routes.get("/v1/models", ctx -> api(ctx, "models", true, models::list));
        c.routes.get("/v1/models/{id}", ctx -> api(ctx, "models", true, models::one));
        c.routes.get("/", ctx -> api(ctx, "page", false, page::index));
        c.routes.get("/web/{file}", ctx -> api(ctx, "page", false, page::file));
        c.routes.get("/health", ctx -> api(ctx, "health", false, models::health));
        c.routes.get("/metrics", ctx -> api(ctx, "metrics", false, this::scrape));
        c.routes.error(404, ctx -> api(ctx, "other", false, x -> {
            throw ApiException.notFound("no route for " + x.method() + " " + x.path());
        }));
        c.routes.error(405, ctx -> api(ctx, "other", false, x -> {
            throw ApiException.methodNotAllowed(x.method() + " is not allowed on " + x.path());
        }));
    }

    private void configureJetty(Server server) {
        jetty = server;
        server.setErrorHandler(new JsonErrorHandler(metrics));
        // Javalin puts its servlet context inside the innermost wrapper: bodies arrive before a thread is
        // used, and requests are counted from then until their response is written
        BodyPrefetchHandler bodies = new BodyPrefetchHandler(config.maxBody());
        bodies.setHandler(inFlight);
        server.setHandler(bodies);
        NetworkConnectionLimit limit = new NetworkConnectionLimit(config.maxConnections(), server);
        limit.setEndPointIdleTimeout(Math.min(config.idleTimeout().toMillis(), ServerConfig.LIMITED_IDLE_TIMEOUT.toMillis()));
        server.addBean(limit);
    }

    private int completion(Context ctx, CompletionRequest.Kind kind) {
        return withBody(ctx, (body, connection) -> completions.handle(ctx, kind, body, connection));
    }

    private int inspect(Context ctx) {
        return withBody(ctx, (body, connection) -> inspect.handle(ctx, body, connection));
    }

    /** A body-reading endpoint that runs the engine: gets the body and watches the client while it runs. */
    @FunctionalInterface
    private interface EngineHandler {
        int handle(byte[] body, ClientConnection connection);
    }

    private int withBody(Context ctx, EngineHandler handler) {
        guard.checkJsonBody(ctx.header("Content-Type"));
        // read and limited here rather than by ctx.body(), so an oversized body is a 413 in the OpenAI shape
        byte[] body = RequestBodies.read(ctx.req(), config.maxBody());
        try (ClientConnection connection = ClientConnection.watch(ctx)) {
            int status = handler.handle(body, connection);
            if (connection.mustClose() && !ctx.res().isCommitted()) ctx.header("Connection", "close");
            return status;
        }
    }

    private int scrape(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape());
        return 200;
    }

    /** Shutdown, Host, auth, error rendering and request counting around every endpoint. */
    private void api(Context ctx, String endpoint, boolean needsKey, ApiHandler handler) {
        int status;
        try {
            if (shutdown.draining()) {
                ctx.header("Connection", "close");
                throw ShutdownSignal.error("it takes no new requests");
            }
            if (!endpoint.equals("health")) guard.checkHost(ctx.header("Host")); // probes may use any address
            if (needsKey) apiKey.check(ctx.header("Authorization"));
            status = handler.handle(ctx);
        } catch (ApiException e) {
            status = error(ctx, endpoint, e);
        } catch (Exception e) {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            status = error(ctx, endpoint, ApiException.internal("internal error: " + e));
        }
        metrics.request(endpoint, status);
    }

    private int error(Context ctx, String endpoint, ApiException e) {
        metrics.error(endpoint, e.code());
        if (ctx.res().isCommitted()) return e.status(); // too late for a status; the stream reported it
        if (e.retryAfterSeconds() > 0) ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        ObjectNode body = e.body();
        ctx.status(e.status()).contentType("application/json").result(Json.write(body));
        return e.status();
    }

    private static String defaultModelId(Model model) {
        String file = model.source().getFileName().toString();
        return file.endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
    }

    public int port() { return app.port(); }

    public ServerConfig config() { return config; }

    public InferenceEngine engine() { return engine; }

    /**
     * Stops gracefully: stops accepting connections, answers new requests on open ones with 503,
     * lets the requests in flight finish for up to {@code drain}, then ends those still running
     * (a generation stops at its next step; a stream gets an error event and {@code [DONE]}) and
     * stops the server and the engine. Returns once everything is stopped; later calls return at once.
     */
    public void shutdown(Duration drain) {
        synchronized (stopLock) {
            if (stopped) return;
            stopped = true;
            shutdown.drain();
            stopAccepting();
            long deadline = System.nanoTime() + drain.toNanos();
            awaitIdle(deadline);
            if (inFlight.count() > 0) {
                log.warn("{} request(s) still running after the drain time of {}; ending them", inFlight.count(), drain);
                shutdown.end();
                awaitIdle(System.nanoTime() + END_GRACE.toNanos());
            }
            app.stop();
            engine.close();
        }
    }

    /** How long requests ended by a shutdown get to write their last event before the server stops anyway. */
    private static final Duration END_GRACE = Duration.ofSeconds(10);

    /** Closes the listening sockets; open connections are answered and then closed. */
    private void stopAccepting() {
        Server server = jetty;
        if (server == null) return;
        for (Connector c : server.getConnectors()) {
            try {
                c.shutdown(); // marks the connector shut down: responses on open connections say Connection: close
                if (c instanceof NetworkConnector n) n.close();
            } catch (RuntimeException e) {
                log.warn("could not stop accepting on {}", c, e);
            }
        }
    }

    private void awaitIdle(long deadlineNanos) {
        while (inFlight.count() > 0 && System.nanoTime() - deadlineNanos < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Whether a shutdown has begun (new requests get 503). */
    public boolean draining() {
        return shutdown.draining();
    }

    /** Stops at once: requests in flight are ended as by {@link #shutdown} with no drain time. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
