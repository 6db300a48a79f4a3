package dev.kvasir.cli;

import dev.kvasir.core.model.Model;
import dev.kvasir.server.KvasirServer;
import dev.kvasir.server.Quantities;
import dev.kvasir.server.ServerConfig;
import dev.kvasir.server.engine.CompressionSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serves the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions, "
                + "/v1/models, /health, /metrics), with per-request KV compression.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    PressOptions pressOptions;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--api-key", description = "Require 'Authorization: Bearer KEY' on /v1 (default: $KVASIR_API_KEY, else no key).")
    String apiKey;

    @Option(names = "--parallel", description = "Requests decoding at once: the batch size (default 16; with --batching off, slots of threads/N cores, default 2).")
    Integer parallel;

    @Option(names = "--batching", defaultValue = "on", description = "on: continuous batching, one decode step for every running request; off: one slot per request (default ${DEFAULT-VALUE}).")
    String batching;

    @Option(names = "--queue", defaultValue = "64", description = "Requests that may wait for a slot or KV memory; more get 503 (default ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--queue-timeout", defaultValue = "30s", description = "Longest wait in the queue before a 503 (default ${DEFAULT-VALUE}).")
    String queueTimeout;

    @Option(names = "--max-kv-memory", defaultValue = "2g", description = "Limit on the estimated KV-cache bytes of running requests (default ${DEFAULT-VALUE}).")
    String maxKvMemory;

    @Option(names = "--prompt-cache-memory", defaultValue = "512m", description = "Bytes of finished conversations' KV caches kept "
            + "so that a request continuing one prefills only what is new; least recently used evicted first; 0 keeps none "
            + "(default ${DEFAULT-VALUE}, on top of --max-kv-memory).")
    String promptCacheMemory;

    @Option(names = "--timeout", defaultValue = "120s", description = "Time limit of one request, queue wait included (default ${DEFAULT-VALUE}).")
    String timeout;

    @Option(names = "--max-body", defaultValue = "1m", description = "Request body size limit; larger bodies get 413 (default ${DEFAULT-VALUE}).")
    String maxBody;

    @Option(names = "--drain-timeout", defaultValue = "30s", description = "On SIGTERM or Ctrl-C: how long requests in flight may run on "
            + "before they are ended (streams get an error event and [DONE]); new requests get 503 meanwhile (default ${DEFAULT-VALUE}).")
    String drainTimeout;

    @Option(names = "--idle-timeout", defaultValue = "30s", description = "Longest silence on a connection: a stalled upload gets 408 "
            + "and an idle keep-alive connection is closed (default ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--max-connections", defaultValue = "512", description = "Open connections at most; more wait to be accepted, "
            + "and the idle timeout drops to 5s meanwhile (default ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--allowed-host", split = ",", description = "Without an API key, Host names accepted besides localhost, "
            + "127.0.0.1, [::1] and --host (a guard against DNS rebinding); '*' accepts any. Repeatable or comma-separated.")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--model-id", description = "Model id reported by /v1/models and in responses (default: the model file's name).")
    String modelId;

    @Override
    public Integer call() throws Exception {
        // Jetty's INFO lines are noise on a terminal; our own startup line says what matters
        System.setProperty("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
        if (modelOptions.kvPrecision() != modelOptions.kvPrecisionValues()) {
            // the server stores keys and values at one precision: a split would otherwise be dropped without a word
            throw new IllegalArgumentException("serve stores keys and values at one precision; --kv-precision-k "
                    + modelOptions.kvPrecision().label() + " and --kv-precision-v " + modelOptions.kvPrecisionValues().label()
                    + " differ (use --kv-precision)");
        }
        String key = apiKey != null ? apiKey : System.getenv("KVASIR_API_KEY");
        ServerConfig config = ServerConfig.defaults().withHost(host).withPort(port).withApiKey(key == null || key.isBlank() ? null : key)
                .withBatching(batchingOn()).withParallel(parallel != null ? parallel : batchingOn() ? 16 : 2).withQueue(queue).withQueueTimeout(Quantities.parseDuration(queueTimeout))
                .withMaxKvMemory(Quantities.parseBytes(maxKvMemory)).withPromptCacheMemory(Quantities.parseBytes(promptCacheMemory)).withTimeout(Quantities.parseDuration(timeout))
                .withMaxBody(Quantities.parseBytes(maxBody)).withThreads(modelOptions.threads())
                .withKvPrecision(modelOptions.kvPrecision()).withDefaultCompression(defaultCompression()).withModelId(modelId)
                .withDrainTimeout(Quantities.parseDuration(drainTimeout)).withIdleTimeout(Quantities.parseDuration(idleTimeout))
                .withMaxConnections(maxConnections).withAllowedHosts(allowedHosts);
        Model model = modelOptions.load(true);
        KvasirServer server = KvasirServer.start(model, config);
        // SIGTERM and Ctrl-C drain the server and then return normally (exit code 0); the JVM's own
        // handlers would run the shutdown hooks and exit with 143 / 130
        CountDownLatch stopRequested = new CountDownLatch(1);
        boolean signalsHandled = ShutdownSignals.onTerminate(() -> {
            if (stopRequested.getCount() == 0) Runtime.getRuntime().halt(1); // a second signal: stop at once, requests cut
            stopRequested.countDown();
        });
        // other ways out (SIGHUP, System.exit elsewhere) still stop the server, without waiting for a drain
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "kvasir-shutdown"));
        System.err.printf("kvasir: serving %s on http://%s:%d/v1 (%s %d, queue %d, KV limit %s, prompt cache %s, compression %s%s)%n",
                model.name(), config.host(), server.port(), config.batching() ? "batching up to" : "parallel slots", config.parallel(), config.queue(), Quantities.describeBytes(config.maxKvMemory()),
                Quantities.describeBytes(server.engine().promptCacheLimitBytes()),
                config.defaultCompression().key(), config.apiKey() != null ? ", API key required" : "");
        if (!signalsHandled) new CountDownLatch(1).await(); // no signal handling: the shutdown hook stops the server
        stopRequested.await();
        System.err.printf("kvasir: shutting down (waiting up to %.1f s for requests in flight; a second signal stops at once)%n",
                config.drainTimeout().toMillis() / 1000.0);
        // the model is not closed: the JVM exits right after and unmaps it
        server.shutdown(config.drainTimeout());
        System.err.println("kvasir: stopped");
        return 0;
    }

    private boolean batchingOn() {
        return switch (batching.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("--batching must be 'on' or 'off', got '" + batching + "'");
        };
    }

    private CompressionSpec defaultCompression() {
        if (pressOptions.press() == null) return CompressionSpec.NONE; // also checks that budget flags come with --press
        return CompressionSpec.of(pressOptions.press, pressOptions.budget(), pressOptions.options());
    }
}
