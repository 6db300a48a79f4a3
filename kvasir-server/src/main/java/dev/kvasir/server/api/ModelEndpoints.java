package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Presses;
import dev.kvasir.server.engine.InferenceEngine;
import io.javalin.http.Context;

/** GET /v1/models, /v1/models/{id} and /health. */
public final class ModelEndpoints {
    private final String modelId;
    private final Model model;
    private final InferenceEngine engine;
    private final long created = System.currentTimeMillis() / 1000;

    public ModelEndpoints(String modelId, Model model, InferenceEngine engine) {
        this.modelId = modelId;
        this.model = model;
        this.engine = engine;
    }

    public int list(Context ctx) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "list");
        root.putArray("data").add(modelObject());
        ctx.contentType("application/json").result(Json.write(root));
        return 200;
    }

    public int one(Context ctx) {
        String id = ctx.pathParam("id");
        if (!id.equals(modelId)) throw ApiException.notFound("the model '" + id + "' does not exist; this server serves '" + modelId + "'");
        ctx.contentType("application/json").result(Json.write(modelObject()));
        return 200;
    }

    public int health(Context ctx) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("status", "ok");
        root.put("model", modelId);
        root.put("active_decodes", engine.activeDecodes());
        root.put("queue_length", engine.queueLength());
        root.put("kv_reserved_bytes", engine.reservedKvBytes());
        root.put("kv_limit_bytes", engine.maxKvMemory());
        ctx.contentType("application/json").result(Json.write(root));
        return 200;
    }

    private ObjectNode modelObject() {
        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("id", modelId);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "kvasir");
        m.put("context_length", model.config().contextLength());
        // Kvasir's extension: the values 'kv_compression.method' takes (the web page's picker)
        var methods = m.putArray("kv_compression_methods").add("none");
        Presses.names().forEach(methods::add);
        return m;
    }
}
