package dev.kvasir.chat;

import java.util.Objects;

/**
 * One turn of a conversation as chat templates see it: {@code {"role": ..., "content": ...}}.
 * Roles are free text because templates decide which they accept ({@code system}, {@code user},
 * {@code assistant}, {@code tool}, ...); a template that does not know a role usually calls
 * {@code raise_exception}, which surfaces as a {@link ChatTemplateException}.
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) { return new ChatMessage("system", content); }

    public static ChatMessage user(String content) { return new ChatMessage("user", content); }

    public static ChatMessage assistant(String content) { return new ChatMessage("assistant", content); }
}
