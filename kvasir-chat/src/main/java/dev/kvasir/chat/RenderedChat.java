package dev.kvasir.chat;

import java.util.List;
import java.util.Optional;

/**
 * A conversation rendered by a {@link ChatTemplate}, with where the messages' content sits in it.
 *
 * @param text  the prompt, exactly as {@link ChatTemplate#render(List, boolean, java.util.Map)} renders it
 * @param parts {@code text} cut into template text and message content (the parts concatenate to {@code text});
 *              empty when the template rewrites content in a way that hides where it went (see
 *              {@link ChatTemplate#renderParts})
 */
public record RenderedChat(String text, Optional<List<Part>> parts) {

    /** A stretch of the prompt: text the template wrote, or (some of) what a message said. */
    public record Part(String text, boolean content) {}
}
