package dev.kvasir.server;

import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.server.engine.CompressionSpec;

import java.time.Duration;
import java.util.List;

/**
 * Everything {@code kvasir serve} can be told. Built with {@link #defaults()} and the
 * {@code with…} methods; {@link KvasirServer} validates nothing twice, so the checks live here.
 *
 * @param host               address to bind; loopback by default so a fresh server is not exposed
 * @param port               TCP port, 0 for any free one (tests)
 * @param apiKey             when set, every /v1 request needs {@code Authorization: Bearer <key>}
 * @param parallel           requests decoding at once (the batch size; without batching, one Generator each)
 * @param queue              requests allowed to wait for a decode slot or KV memory
 * @param queueTimeout       how long a request may wait in the queue before a 503
 * @param maxKvMemory        admission limit on the KV bytes of all running requests
 * @param timeout            wall-time limit of one request, queue wait included
 * @param maxBody            request body limit in bytes (larger bodies get 413)
 * @param threads            compute threads shared by the decode slots
 * @param kvPrecision        how the KV caches store keys and values
 * @param defaultCompression applied to requests without {@code kv_compression}; {@link CompressionSpec#NONE} for the full cache
 * @param modelId            the id /v1/models reports and responses carry
 * @param drainTimeout       on shutdown (SIGTERM), how long requests in flight may run on before they are ended
 * @param idleTimeout        longest silence on a connection: a stalled upload (headers or body) is cut off after it,
 *                           and so is an idle keep-alive connection
 * @param maxConnections     open connections at most; beyond it new ones wait in the OS backlog and the idle timeout
 *                           of the open ones drops to {@link #LIMITED_IDLE_TIMEOUT}
 * @param allowedHosts       {@code Host} names accepted without an API key besides the loopback names and {@code host};
 *                           {@code *} accepts any (turns off the DNS-rebinding guard)
 * @param batching           continuous batching (one decode step for all running requests); off: one slot per request
 * @param promptCacheMemory  bytes of finished conversations' KV caches kept for requests that continue them (with
 *                           batching), on top of {@code maxKvMemory}; 0 keeps none
 */
public record ServerConfig(String host, int port, String apiKey, int parallel, int queue, Duration queueTimeout,
                           long maxKvMemory, Duration timeout, long maxBody, int threads, KvPrecision kvPrecision,
                           CompressionSpec defaultCompression, String modelId, Duration drainTimeout, Duration idleTimeout,
                           int maxConnections, List<String> allowedHosts, boolean batching, long promptCacheMemory) {

    public ServerConfig {
        if (host == null || host.isBlank()) throw new IllegalArgumentException("--host must not be empty");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in [0, 65535], got " + port);
        if (apiKey != null && apiKey.isBlank()) throw new IllegalArgumentException("--api-key must not be blank");
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (queue < 0) throw new IllegalArgumentException("--queue must be >= 0, got " + queue);
        if (queueTimeout.isNegative()) throw new IllegalArgumentException("--queue-timeout must be >= 0, got " + queueTimeout);
        if (maxKvMemory < 1) throw new IllegalArgumentException("--max-kv-memory must be > 0, got " + maxKvMemory);
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("--timeout must be > 0, got " + timeout);
        if (maxBody < 1) throw new IllegalArgumentException("--max-body must be > 0, got " + maxBody);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (kvPrecision == null) kvPrecision = KvPrecision.DEFAULT;
        if (defaultCompression == null) defaultCompression = CompressionSpec.NONE;
        if (drainTimeout == null || drainTimeout.isNegative()) throw new IllegalArgumentException("--drain-timeout must be >= 0, got " + drainTimeout);
        if (idleTimeout == null || idleTimeout.toMillis() < 1) throw new IllegalArgumentException("--idle-timeout must be > 0, got " + idleTimeout);
        if (maxConnections < 1) throw new IllegalArgumentException("--max-connections must be >= 1, got " + maxConnections);
        allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
        for (String h : allowedHosts) {
            if (h.isBlank()) throw new IllegalArgumentException("--allowed-host must not be empty");
        }
        if (promptCacheMemory < 0) throw new IllegalArgumentException("--prompt-cache-memory must be >= 0 (0 keeps no conversations), got " + promptCacheMemory);
    }

    /** The idle timeout of open connections while {@code maxConnections} are open (frees the slots of stalled clients sooner). */
    public static final Duration LIMITED_IDLE_TIMEOUT = Duration.ofSeconds(5);

    /** Bytes of kept conversations by default: about twenty SmolLM2 conversations of a thousand tokens each at F16. */
    public static final long DEFAULT_PROMPT_CACHE_MEMORY = 512L << 20;

    /**
     * Loopback:8080, batching of up to 16 sequences, a queue of 64, 2 GiB of KV, 120 s per request, 1 MiB bodies,
     * all cores, 30 s to drain, 30 s idle timeout, 512 connections, 512 MiB of kept conversations.
     */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, null, 16, 64, Duration.ofSeconds(30), 2L << 30, Duration.ofSeconds(120),
                1L << 20, Math.max(1, Runtime.getRuntime().availableProcessors()), KvPrecision.DEFAULT, CompressionSpec.NONE, null,
                Duration.ofSeconds(30), Duration.ofSeconds(30), 512, List.of(), true, DEFAULT_PROMPT_CACHE_MEMORY);
    }

    public ServerConfig withHost(String h) { return new ServerConfig(h, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withPort(int p) { return new ServerConfig(host, p, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withApiKey(String k) { return new ServerConfig(host, port, k, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withParallel(int n) { return new ServerConfig(host, port, apiKey, n, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withQueue(int n) { return new ServerConfig(host, port, apiKey, parallel, n, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withQueueTimeout(Duration d) { return new ServerConfig(host, port, apiKey, parallel, queue, d, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withMaxKvMemory(long b) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, b, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withTimeout(Duration d) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, d, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withMaxBody(long b) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, b, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withThreads(int t) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, t, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withKvPrecision(KvPrecision p) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, p, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withDefaultCompression(CompressionSpec c) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, c, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withModelId(String id) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, id, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withDrainTimeout(Duration d) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, d, idleTimeout, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withIdleTimeout(Duration d) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, d, maxConnections, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withMaxConnections(int n) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, n, allowedHosts, batching, promptCacheMemory); }

    public ServerConfig withAllowedHosts(List<String> hosts) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, hosts, batching, promptCacheMemory); }

    public ServerConfig withBatching(boolean b) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, b, promptCacheMemory); }

    public ServerConfig withPromptCacheMemory(long b) { return new ServerConfig(host, port, apiKey, parallel, queue, queueTimeout, maxKvMemory, timeout, maxBody, threads, kvPrecision, defaultCompression, modelId, drainTimeout, idleTimeout, maxConnections, allowedHosts, batching, b); }

    /** Compute threads each decode slot gets: the cores split evenly, at least one (all of them with batching: one engine). */
    public int threadsPerSlot() {
        return batching ? threads : Math.max(1, threads / parallel);
    }
}
