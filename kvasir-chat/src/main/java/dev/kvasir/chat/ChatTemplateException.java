package dev.kvasir.chat;

/**
 * A chat template could not be parsed or rendered. {@link #raisedByTemplate()} tells a template's
 * own {@code raise_exception(message)} (the conversation is not one the model accepts, e.g.
 * roles not alternating; the message is the template's) from a template Kvasir cannot render.
 */
public final class ChatTemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    ChatTemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** True when the template itself called {@code raise_exception}. */
    public boolean raisedByTemplate() { return raisedByTemplate; }
}
