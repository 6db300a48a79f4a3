package dev.kvasir.server.api;

import dev.kvasir.server.engine.InferenceJob;

/**
 * A parsed /v1/chat/completions or /v1/completions request.
 *
 * @param kind         chat (messages through the chat template) or text (a raw prompt)
 * @param job          what to generate
 * @param stream       answer as server-sent events
 * @param includeUsage with streaming: send a last chunk carrying usage ({@code stream_options.include_usage})
 */
public record CompletionRequest(Kind kind, InferenceJob job, boolean stream, boolean includeUsage) {
    public enum Kind { CHAT, TEXT }
}
