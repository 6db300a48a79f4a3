package dev.kvasir.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kvasir.chat.ChatMessage;
import dev.kvasir.core.generate.SamplingParams;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Budget;
import dev.kvasir.core.press.Presses;
import dev.kvasir.server.engine.CompressionSpec;
import dev.kvasir.server.engine.InferenceJob;
import dev.kvasir.server.engine.InspectionJob;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the JSON body of a completion request into a validated {@link CompletionRequest}: the
 * OpenAI fields ({@code messages}/{@code prompt}, {@code max_tokens}/{@code max_completion_tokens},
 * {@code temperature}, {@code top_p}, {@code seed}, {@code stop}, {@code n}, {@code stream},
 * {@code stream_options}) and Kvasir's {@code kv_compression}, plus the llama.cpp-style
 * extensions {@code top_k}, {@code min_p}, {@code repetition_penalty}, {@code ignore_eos} and
 * {@code cache_prompt} (default true: continue a kept conversation's cache, and keep this one's).
 * Unknown fields are ignored, as OpenAI-compatible servers do (SDKs send {@code user},
 * {@code metadata}, ...); fields that would change the answer in a way this server cannot honour
 * (penalties, logprobs, tools) are refused rather than silently dropped.
 */
public final class RequestParser {
    private static final int MAX_STOPS = 16;
    /** Longest prompt the inspector takes: its answer lists kept positions per layer and head. */
    static final int MAX_INSPECTED_TOKENS = 8192;
    static final int MAX_INSPECTED_METHODS = 2;
    private final Model model;
    private final Prompts prompts;
    private final CompressionSpec defaultCompression;
    private final long kvTokenLimit;
    private final AtomicLong seeds = new AtomicLong(System.nanoTime());

    /**
     * @param kvTokenLimit tokens of full KV cache that fit under the server's memory limit; caps the
     *                     default {@code max_tokens} so a request that does not set it still fits
     */
    public RequestParser(Model model, CompressionSpec defaultCompression, long kvTokenLimit) {
        this.model = model;
        this.prompts = new Prompts(model);
        this.defaultCompression = defaultCompression;
        this.kvTokenLimit = kvTokenLimit;
    }

    public CompletionRequest chat(byte[] body) {
        JsonFields f = JsonFields.body(parse(body));
        int[] prompt = prompts.chat(messages(f));
        return build(CompletionRequest.Kind.CHAT, f, prompt, "messages");
    }

    public CompletionRequest completion(byte[] body) {
        JsonFields f = JsonFields.body(parse(body));
        int[] prompt = prompts.text(promptText(f));
        return build(CompletionRequest.Kind.TEXT, f, prompt, "prompt");
    }

    /**
     * {@code POST /v1/kv/inspect}: {@code prompt} (text) or {@code messages} (chat), {@code methods}
     * (1 or 2 {@code kv_compression} objects), optional {@code max_tokens} (default 0: no answer)
     * and the sampling fields of a completion.
     */
    public InspectionJob inspection(byte[] body) {
        JsonFields f = JsonFields.body(parse(body));
        boolean chat = f.has("messages");
        if (chat && f.has("prompt")) throw ApiException.invalid("prompt", "invalid_value", "give either 'prompt' or 'messages', not both");
        int[] prompt = chat ? prompts.chat(messages(f)) : prompts.text(promptText(f));
        String promptParam = chat ? "messages" : "prompt";
        int context = model.config().contextLength();
        int limit = Math.min(context - 1, MAX_INSPECTED_TOKENS);
        if (prompt.length == 0) throw ApiException.invalid(promptParam, "empty_prompt", "the " + promptParam + " produced no tokens");
        if (prompt.length > limit) {
            throw ApiException.invalid(promptParam, "prompt_too_long", "the " + promptParam + " has " + prompt.length
                    + " tokens; the inspector takes at most " + limit + " (the model's context of " + context
                    + " tokens less one, and at most " + MAX_INSPECTED_TOKENS + ")");
        }
        List<CompressionSpec> methods = inspectedMethods(f);
        Long maxTokens = f.integer("max_tokens", 0, context - prompt.length);
        return new InspectionJob(prompt, methods, maxTokens == null ? 0 : maxTokens.intValue(), sampling(f));
    }

    private static List<CompressionSpec> inspectedMethods(JsonFields f) {
        List<JsonFields> items = f.objects("methods");
        if (items == null) throw f.missing("methods");
        if (items.isEmpty() || items.size() > MAX_INSPECTED_METHODS) {
            throw ApiException.invalid("methods", "invalid_value", "'methods' must hold 1 or " + MAX_INSPECTED_METHODS
                    + " kv_compression objects, got " + items.size());
        }
        List<CompressionSpec> out = new ArrayList<>();
        for (JsonFields m : items) {
            CompressionSpec spec = compressionSpec(m);
            if (!spec.compresses()) {
                throw ApiException.invalid(m.path("method"), "invalid_value", "'" + m.path("method")
                        + "' must name a compression method: 'none' keeps everything, there is nothing to inspect");
            }
            out.add(spec);
        }
        return out;
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) throw ApiException.invalid(null, "invalid_request_body", "the request body is empty; send a JSON object");
        try {
            return Json.MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw ApiException.invalid(null, "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.invalid(null, "invalid_json", "the request body could not be read: " + e.getMessage());
        }
    }

    private CompletionRequest build(CompletionRequest.Kind kind, JsonFields f, int[] prompt, String promptParam) {
        Long n = f.integer("n", 1, Long.MAX_VALUE);
        if (n != null && n != 1) throw ApiException.invalid("n", "unsupported_value", "'n' must be 1: this server generates one choice per request, got " + n);
        refuseUnsupported(f);
        int context = model.config().contextLength();
        if (prompt.length == 0) throw ApiException.invalid(promptParam, "empty_prompt", "the " + promptParam + " produced no tokens");
        if (prompt.length >= context) {
            throw ApiException.invalid(promptParam, "context_length_exceeded", "this model's maximum context length is " + context
                    + " tokens, but the " + promptParam + " has " + prompt.length + " tokens (leaving no room to generate)");
        }
        int maxTokens = maxTokens(f, prompt.length, context);
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        JsonFields streamOptions = f.object("stream_options");
        boolean includeUsage = streamOptions != null && Boolean.TRUE.equals(streamOptions.bool("include_usage"));
        boolean ignoreEos = Boolean.TRUE.equals(f.bool("ignore_eos"));
        boolean cachePrompt = !Boolean.FALSE.equals(f.bool("cache_prompt"));
        InferenceJob job = new InferenceJob(prompt, maxTokens, sampling(f), stops(f), ignoreEos, compression(f), cachePrompt);
        return new CompletionRequest(kind, job, stream, includeUsage);
    }

    private List<ChatMessage> messages(JsonFields f) {
        JsonNode arr = f.raw("messages");
        if (arr == null) throw f.missing("messages");
        if (!arr.isArray()) throw f.wrongType("messages", "an array of messages", arr);
        if (arr.isEmpty()) throw ApiException.invalid("messages", "invalid_value", "'messages' must contain at least one message");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = arr.get(i);
            if (!m.isObject()) throw ApiException.invalid(at, "invalid_type", "'" + at + "' must be an object, got " + JsonFields.describe(m));
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) {
                throw ApiException.invalid(at + ".role", "invalid_type", "'" + at + ".role' must be a string, got " + JsonFields.describe(role));
            }
            out.add(new ChatMessage(role(role.textValue(), at + ".role"), content(m.get("content"), at + ".content")));
        }
        return out;
    }

    /** The roles of OpenAI's chat API. */
    static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool");

    /**
     * A validated role. {@code developer} (OpenAI's newer name for the instructions of the
     * application) is rendered as {@code system}: chat templates know only the latter.
     */
    private static String role(String role, String at) {
        if (!ROLES.contains(role)) {
            throw ApiException.invalid(at, "invalid_value", "'" + at + "' must be one of " + String.join(", ", ROLES)
                    + ", got '" + role + "'");
        }
        return role.equals("developer") ? "system" : role;
    }

    /** A string, null (an assistant turn with tool calls) or an array of {@code {"type": "text", "text": ...}} parts. */
    private static String content(JsonNode c, String at) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.textValue();
        if (!c.isArray()) throw ApiException.invalid(at, "invalid_type", "'" + at + "' must be a string or an array of text parts, got " + JsonFields.describe(c));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < c.size(); i++) {
            JsonNode part = c.get(i);
            JsonNode type = part.get("type");
            JsonNode text = part.get("text");
            if (type == null || !"text".equals(type.asText()) || text == null || !text.isTextual()) {
                throw ApiException.invalid(at + "[" + i + "]", "unsupported_content",
                        "'" + at + "[" + i + "]' must be a {\"type\": \"text\", \"text\": ...} part; this server reads text only");
            }
            sb.append(text.textValue());
        }
        return sb.toString();
    }

    private static String promptText(JsonFields f) {
        JsonNode p = f.raw("prompt");
        if (p == null) throw f.missing("prompt");
        if (p.isTextual()) return p.textValue();
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return p.get(0).textValue();
        if (p.isArray() && p.size() > 1) throw ApiException.invalid("prompt", "unsupported_value", "'prompt' must be one string: batches of prompts are not supported");
        throw f.wrongType("prompt", "a string", p);
    }

    private int maxTokens(JsonFields f, int promptTokens, int context) {
        Long legacy = f.integer("max_tokens", 1, Integer.MAX_VALUE);
        Long current = f.integer("max_completion_tokens", 1, Integer.MAX_VALUE);
        Long asked = current != null ? current : legacy;
        String param = current != null ? "max_completion_tokens" : "max_tokens";
        int room = context - promptTokens;
        // OpenAI's default is the rest of the context window; here also what the KV memory limit allows
        if (asked == null) return (int) Math.max(1, Math.min(room, kvTokenLimit - promptTokens));
        if (asked > room) {
            throw ApiException.invalid(param, "context_length_exceeded", "this model's maximum context length is " + context
                    + " tokens; the prompt has " + promptTokens + " tokens, so '" + param + "' may be at most " + room + ", got " + asked);
        }
        return asked.intValue();
    }

    private SamplingParams sampling(JsonFields f) {
        Double temperature = f.number("temperature", t -> t >= 0 && t <= 2, "in [0, 2]");
        Double topP = f.number("top_p", p -> p > 0 && p <= 1, "in (0, 1]");
        Long topK = f.integer("top_k", 0, Integer.MAX_VALUE);
        Double minP = f.number("min_p", p -> p >= 0 && p <= 1, "in [0, 1]");
        Double penalty = f.number("repetition_penalty", p -> p > 0 && Double.isFinite(p), "a number > 0");
        Long seed = f.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        // OpenAI's defaults: temperature 1 and no truncation of the distribution
        return SamplingParams.builder()
                .temperature(temperature == null ? 1.0 : temperature)
                .topP(topP == null ? 1.0 : topP)
                .topK(topK == null ? 0 : topK.intValue())
                .minP(minP == null ? 0 : minP)
                .repetitionPenalty(penalty == null ? 1.0 : penalty)
                .seed(seed != null ? seed : seeds.getAndAdd(0x9E3779B97F4A7C15L))
                .build();
    }

    private static List<String> stops(JsonFields f) {
        JsonNode s = f.raw("stop");
        if (s == null) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.textValue());
        } else if (s.isArray()) {
            for (JsonNode x : s) {
                if (!x.isTextual()) throw ApiException.invalid("stop", "invalid_type", "'stop' must be a string or an array of strings, got an array holding " + JsonFields.describe(x));
                out.add(x.textValue());
            }
        } else {
            throw f.wrongType("stop", "a string or an array of strings", s);
        }
        if (out.size() > MAX_STOPS) throw ApiException.invalid("stop", "invalid_value", "'stop' may hold at most " + MAX_STOPS + " strings, got " + out.size());
        if (out.stream().anyMatch(String::isEmpty)) throw ApiException.invalid("stop", "invalid_value", "'stop' strings must not be empty");
        return out;
    }

    private static void refuseUnsupported(JsonFields f) {
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            Double v = f.number(penalty, x -> x >= -2 && x <= 2, "in [-2, 2]");
            if (v != null && v != 0) {
                throw ApiException.invalid(penalty, "unsupported_parameter", "'" + penalty + "' is not supported by this server (use 'repetition_penalty')");
            }
        }
        JsonNode logprobs = f.raw("logprobs");
        if (logprobs != null && !(logprobs.isBoolean() && !logprobs.booleanValue())) {
            throw ApiException.invalid("logprobs", "unsupported_parameter", "'logprobs' is not supported by this server");
        }
        JsonNode tools = f.raw("tools");
        if (tools != null && !(tools.isArray() && tools.isEmpty())) {
            throw ApiException.invalid("tools", "unsupported_parameter", "'tools' (function calling) is not supported by this server");
        }
    }

    /**
     * {@code kv_compression: {method, budget | budget_tokens, options}}; absent means the server's
     * default, {@code {"method": "none"}} the full cache.
     */
    private CompressionSpec compression(JsonFields f) {
        JsonFields kv = f.object("kv_compression");
        return kv == null ? defaultCompression : compressionSpec(kv);
    }

    /** One {@code {method, budget | budget_tokens, options}} object, wherever it sits in the body. */
    private static CompressionSpec compressionSpec(JsonFields kv) {
        String method = kv.requiredString("method").trim().toLowerCase(Locale.ROOT);
        boolean none = method.equals("none");
        if (!none && !Presses.names().contains(method)) {
            throw ApiException.invalid(kv.path("method"), "unknown_method", "unknown KV compression method '" + method
                    + "'; valid methods: none, " + String.join(", ", Presses.names()));
        }
        Double fraction = kv.number("budget", b -> b > 0 && b <= 1, "in (0, 1] (the fraction of prompt tokens kept)");
        Long tokens = kv.integer("budget_tokens", 1, Integer.MAX_VALUE);
        if (fraction != null && tokens != null) {
            throw ApiException.invalid(kv.path("budget"), "invalid_value", "give either '" + kv.path("budget") + "' or '" + kv.path("budget_tokens") + "', not both");
        }
        Budget budget = fraction != null ? Budget.fraction(fraction) : tokens != null ? Budget.tokensPerHead(tokens.intValue()) : null;
        if (!none && budget == null && !method.equals("full")) {
            throw ApiException.invalid(kv.path("budget"), "missing_required_parameter", "KV compression method '" + method
                    + "' needs '" + kv.path("budget") + "' (a fraction in (0, 1]) or '" + kv.path("budget_tokens") + "'");
        }
        Map<String, String> options = options(kv);
        try {
            return CompressionSpec.of(method, budget, options);
        } catch (IllegalArgumentException e) {
            String param = options.isEmpty() ? kv.path("method") : kv.path("options");
            throw ApiException.invalid(param, "invalid_value", "'" + kv.path("method") + "': " + e.getMessage());
        }
    }

    private static Map<String, String> options(JsonFields kv) {
        JsonFields opts = kv.object("options");
        Map<String, String> out = new LinkedHashMap<>();
        if (opts == null) return out;
        for (String name : opts.fieldNames()) {
            JsonNode v = opts.raw(name);
            if (v == null) continue;
            if (!v.isValueNode()) throw opts.wrongType(name, "a string, number or boolean", v);
            out.put(name, v.asText());
        }
        return out;
    }
}
