package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.server.engine.Outcome;

import java.util.UUID;

/**
 * The OpenAI response shapes: {@code chat.completion}, {@code text_completion} and their
 * streaming chunks, with {@code usage} extended by Kvasir's {@code kv_cache_bytes} and
 * {@code kv_compression} report.
 */
final class Responses {
    private final String modelId;

    Responses(String modelId) {
        this.modelId = modelId;
    }

    /** Identity shared by every chunk of one response. */
    record Envelope(CompletionRequest.Kind kind, String id, long created) {
        static Envelope of(CompletionRequest.Kind kind) {
            String prefix = kind == CompletionRequest.Kind.CHAT ? "chatcmpl-" : "cmpl-";
            return new Envelope(kind, prefix + UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis() / 1000);
        }
    }

    /** The whole (non-streamed) response. */
    ObjectNode complete(Envelope env, Outcome o) {
        ObjectNode root = header(env, false);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (env.kind() == CompletionRequest.Kind.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", o.result().text());
        } else {
            choice.put("text", o.result().text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        root.set("usage", usage(o));
        return root;
    }

    /** The first chat chunk: the assistant role, no content yet (what OpenAI sends first). */
    ObjectNode roleChunk(Envelope env) {
        ObjectNode root = header(env, true);
        ObjectNode choice = choice(root);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("finish_reason");
        return root;
    }

    /** A piece of generated text. */
    ObjectNode textChunk(Envelope env, String text) {
        ObjectNode root = header(env, true);
        ObjectNode choice = choice(root);
        if (env.kind() == CompletionRequest.Kind.CHAT) choice.putObject("delta").put("content", text);
        else choice.put("text", text);
        choice.putNull("finish_reason");
        return root;
    }

    /** The last chunk of the choice: empty delta, the finish reason. */
    ObjectNode finishChunk(Envelope env, String finishReason) {
        ObjectNode root = header(env, true);
        ObjectNode choice = choice(root);
        if (env.kind() == CompletionRequest.Kind.CHAT) choice.putObject("delta");
        else choice.put("text", "");
        choice.put("finish_reason", finishReason);
        return root;
    }

    /** With {@code stream_options.include_usage}: no choices, the usage. */
    ObjectNode usageChunk(Envelope env, Outcome o) {
        ObjectNode root = header(env, true);
        root.putArray("choices");
        root.set("usage", usage(o));
        return root;
    }

    ObjectNode usage(Outcome o) {
        ObjectNode u = Json.MAPPER.createObjectNode();
        u.put("prompt_tokens", o.promptTokens());
        u.put("completion_tokens", o.completionTokens());
        u.put("total_tokens", o.promptTokens() + o.completionTokens());
        // OpenAI's shape: prompt tokens served from a kept conversation's cache rather than prefilled
        u.putObject("prompt_tokens_details").put("cached_tokens", o.cachedTokens());
        u.put("kv_cache_bytes", o.kvBytesAtEnd());
        u.put("kv_cache_precision", o.kvPrecision());
        ObjectNode kv = u.putObject("kv_compression");
        kv.put("method", o.method());
        kv.put("label", o.label());
        CompressionReport report = o.result().kv();
        if (report != null && report.skipped() != null) kv.put("skipped", report.skipped());
        if (report != null && report.budgetNote() != null) kv.put("budget_note", report.budgetNote());
        kv.put("budget_achieved", Math.round(o.budgetAchieved() * 10000) / 10000.0);
        kv.put("bytes_full", o.kvBytesFull());
        kv.put("bytes_kept", o.kvBytesKept());
        kv.put("bytes_kept_logical", o.kvBytesKeptLogical());
        return u;
    }

    private ObjectNode header(Envelope env, boolean chunk) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", env.id());
        boolean chat = env.kind() == CompletionRequest.Kind.CHAT;
        root.put("object", chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion");
        root.put("created", env.created());
        root.put("model", modelId);
        root.putNull("system_fingerprint");
        return root;
    }

    private static ObjectNode choice(ObjectNode root) {
        ArrayNode choices = root.putArray("choices");
        ObjectNode c = choices.addObject();
        c.put("index", 0);
        c.putNull("logprobs");
        return c;
    }
}
