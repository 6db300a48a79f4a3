package dev.kvasir.chat;

import com.hubspot.jinjava.JinjavaConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's own chat template ({@code tokenizer.chat_template}, a Jinja template), rendered the way
 * Hugging Face's {@code tokenizer.apply_chat_template} renders it, so the prompt matches what the
 * model was trained on token for token.
 *
 * <p>The template sees the variables HF passes: {@code messages} (a list of
 * {@code {"role", "content"}} maps), {@code add_generation_prompt}, {@code bos_token} and
 * {@code eos_token} (left undefined when the model has none, as HF does), and whatever
 * {@linkplain #render(List, boolean, Map) extra variables} the caller gives — {@code tools} (a list
 * of JSON-schema maps), {@code date_string}, {@code enable_thinking}, ... It may call
 * {@code raise_exception(message)} (a {@link ChatTemplateException} with
 * {@link ChatTemplateException#raisedByTemplate()} set) and {@code strftime_now(format)} (the
 * {@linkplain #withClock clock}'s local time, Python {@code strftime} directives).
 *
 * <p>Rendering uses Jinjava configured for Jinja2/HF behaviour: whitespace exactly as jinja2's
 * lexer with {@code trim_blocks} and {@code lstrip_blocks} (HF enables both; including comments,
 * {@code -}/{@code +} markers and raw blocks), Jinja2 operator precedence (a filter binds tighter
 * than {@code +}, {@code not} looser than {@code ==}, {@code is} and {@code in}), keyword arguments
 * taking whole expressions, HF's {@code tojson} (Python
 * {@code json.dumps} spacing, no HTML escaping, {@code indent}/{@code sort_keys}/...), Python
 * {@code str} methods ({@code strip, lstrip, rstrip, startswith, endswith, split, rsplit,
 * splitlines, lower, upper, title, capitalize, replace, find, rfind, count, join, is...}),
 * {@code dict.get(key, default)}, negative string indexes, {@code namespace()}, {@code loop.*},
 * booleans printed as {@code True}/{@code False}, jinja2's {@code trim} and {@code round}, and the
 * {@code {% generation %}} block of HF's assistant-mask templates. Before parsing, the source is
 * normalised as jinja2 does (line endings to {@code \n}, one trailing newline dropped) and the
 * reversing slice {@code x[::-1]}, which Jinjava cannot parse, is rewritten to {@code (x|reverse)}.
 *
 * <p>Not supported: {@code {% break %}}/{@code {% continue %}}, slices with any other step,
 * Python {@code %}-formatting and string repetition ({@code 'a' * 3}), {@code dict()}, and
 * {@code loop.previtem/nextitem}; a template that uses them fails with a
 * {@link ChatTemplateException} rather than rendering something wrong. A variable set to
 * {@code None} is indistinguishable from an undefined one ({@code is defined} is false and it
 * prints as an empty string).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ChatTemplate {
    /**
     * The ChatML template used when a model ships none: the one Hugging Face used as its default
     * ({@code <|im_start|>role\ncontent<|im_end|>\n} per message, {@code <|im_start|>assistant\n}
     * as the generation prompt). It matches the many ChatML-trained models (Qwen, SmolLM, ...);
     * for others it is a reasonable guess, not their format.
     */
    public static final String CHATML_SOURCE = resource("chatml.jinja");

    private final String source;
    private final String preparedSource;
    private final String bosToken;
    private final String eosToken;
    private final Clock clock;
    private final JinjavaConfig config;
    private final boolean fallback;

    private ChatTemplate(String source, String bosToken, String eosToken, Clock clock, boolean fallback) {
        this.source = source;
        this.preparedSource = JinjaSource.prepare(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
        this.config = JinjaEngine.config(clock);
        this.fallback = fallback;
        JinjaEngine.checkSyntax(preparedSource, config);
    }

    /**
     * A model's template. A null or blank {@code templateSource} (the model has no
     * {@code tokenizer.chat_template}) gives the {@link #CHATML_SOURCE ChatML fallback}. A null
     * token leaves that variable undefined for the template.
     *
     * @throws ChatTemplateException if the template does not parse
     */
    public static ChatTemplate of(String templateSource, String bosToken, String eosToken) {
        boolean fallback = templateSource == null || templateSource.isBlank();
        return new ChatTemplate(fallback ? CHATML_SOURCE : templateSource, bosToken, eosToken, Clock.systemDefaultZone(), fallback);
    }

    /** The ChatML fallback, with no special tokens defined. */
    public static ChatTemplate chatMl() {
        return of(null, null, null);
    }

    /** This template with {@code strftime_now} reading {@code clock} (its zone gives the local time). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, bosToken, eosToken, Objects.requireNonNull(clock, "clock"), fallback);
    }

    /** The template text as given (or the fallback's). */
    public String source() { return source; }

    /** True when the model had no template and {@link #CHATML_SOURCE} is used. */
    public boolean isFallback() { return fallback; }

    /** Renders a conversation with no extra variables. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation. {@code variables} are passed to the template as they are, like the
     * keyword arguments of {@code apply_chat_template}: e.g. {@code tools} (a list of maps),
     * {@code date_string}, {@code enable_thinking}; values may be strings, numbers, booleans,
     * null, maps and lists. They may override {@code bos_token}/{@code eos_token} but not
     * {@code messages} or {@code add_generation_prompt}.
     *
     * @throws ChatTemplateException when the template raises or fails to render
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Objects.requireNonNull(messages, "messages");
        Objects.requireNonNull(variables, "variables");
        for (String reserved : List.of("messages", "add_generation_prompt")) {
            if (variables.containsKey(reserved)) {
                throw new IllegalArgumentException("'" + reserved + "' is set by render() and cannot be passed as a variable");
            }
        }
        Map<String, Object> bindings = new HashMap<>();
        if (bosToken != null) bindings.put("bos_token", bosToken);
        if (eosToken != null) bindings.put("eos_token", eosToken);
        for (Map.Entry<String, ?> e : variables.entrySet()) bindings.put(e.getKey(), mutableCopy(e.getValue()));
        List<Object> messageMaps = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            messageMaps.add(map);
        }
        bindings.put("messages", messageMaps);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        return JinjaEngine.render(preparedSource, bindings, config);
    }

    /**
     * Renders as {@link #render(List, boolean, Map)} does and tells the messages' content apart from
     * the template's own text, so that a caller can tokenize content without reading control tokens
     * in it (a user who writes {@code <|im_end|>} must not end the turn). The template is rendered a
     * second time with a placeholder for each message's content; the content put back in place of
     * the placeholders must give the very same prompt, either as written or stripped of surrounding
     * whitespace (the {@code trim} filter many templates apply). A template that rewrites content
     * in another way (splits it, slices it, tests what it holds) gives no parts.
     *
     * @throws ChatTemplateException when the template raises or fails to render
     */
    public RenderedChat renderParts(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        String text = render(messages, addGenerationPrompt, variables);
        List<ChatMessage> placeholders = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) placeholders.add(new ChatMessage(messages.get(i).role(), placeholder(i)));
        String skeleton;
        try {
            skeleton = render(placeholders, addGenerationPrompt, variables);
        } catch (ChatTemplateException e) {
            return new RenderedChat(text, java.util.Optional.empty()); // the template looks into content
        }
        for (boolean stripped : new boolean[] {false, true}) {
            List<RenderedChat.Part> parts = fill(skeleton, messages, stripped);
            if (parts != null && concat(parts).equals(text)) return new RenderedChat(text, java.util.Optional.of(parts));
        }
        return new RenderedChat(text, java.util.Optional.empty());
    }

    private static final char PLACEHOLDER_OPEN = '\uE000';
    private static final char PLACEHOLDER_CLOSE = '\uE001';

    /** A private-use marker no template text contains: {@code U+E000 index U+E001}. */
    private static String placeholder(int index) {
        return PLACEHOLDER_OPEN + Integer.toString(index) + PLACEHOLDER_CLOSE;
    }

    /** The skeleton with each placeholder replaced by its message's content; null when a marker is malformed. */
    private static List<RenderedChat.Part> fill(String skeleton, List<ChatMessage> messages, boolean stripped) {
        List<RenderedChat.Part> parts = new ArrayList<>();
        int from = 0;
        while (true) {
            int open = skeleton.indexOf(PLACEHOLDER_OPEN, from);
            if (open < 0) break;
            int close = skeleton.indexOf(PLACEHOLDER_CLOSE, open);
            if (close < 0) return null;
            int index;
            try {
                index = Integer.parseInt(skeleton.substring(open + 1, close));
            } catch (NumberFormatException e) {
                return null;
            }
            if (index < 0 || index >= messages.size()) return null;
            if (open > from) parts.add(new RenderedChat.Part(skeleton.substring(from, open), false));
            String content = messages.get(index).content();
            if (stripped) content = content.strip();
            if (!content.isEmpty()) parts.add(new RenderedChat.Part(content, true));
            from = close + 1;
        }
        if (from < skeleton.length()) parts.add(new RenderedChat.Part(skeleton.substring(from), false));
        return parts;
    }

    private static String concat(List<RenderedChat.Part> parts) {
        StringBuilder sb = new StringBuilder();
        for (RenderedChat.Part p : parts) sb.append(p.text());
        return sb.toString();
    }

    /**
     * Templates may mutate what they are given ({@code list.append}, {@code dict.update}); copies
     * keep the caller's collections (often immutable {@code List.of}/{@code Map.of}) untouched.
     */
    private static Object mutableCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) copy.put(String.valueOf(e.getKey()), mutableCopy(e.getValue()));
            return copy;
        }
        if (value instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            for (Object o : list) copy.add(mutableCopy(o));
            return copy;
        }
        return value;
    }

    private static String resource(String name) {
        try (InputStream in = ChatTemplate.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " beside " + ChatTemplate.class.getName());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + (fallback ? "ChatML fallback" : source.length() + " chars") + "]";
    }
}
