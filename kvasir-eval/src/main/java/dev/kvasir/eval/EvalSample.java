package dev.kvasir.eval;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One benchmark item, independent of any model.
 *
 * <p>The prompt a base model sees is the plain concatenation {@link #prompt()} =
 * {@code context + question + answerPrefix}. Each task puts its own separators at the start of
 * {@code question} and {@code answerPrefix} (e.g. {@code "\nWhat is the pass key?"} and
 * {@code " The pass key is"}), so that the concatenation reproduces the reference harness's
 * prompt byte for byte. The parts are kept apart because compression is usually applied to the
 * context alone (kvpress's question-agnostic protocol) and because a chat template puts the
 * answer prefix after the assistant header; a runner that renders a chat template should
 * {@code strip()} the parts.
 *
 * @param id           stable identifier, unique within a task
 * @param context      the long document (already wrapped in the task's instructions)
 * @param question     the question, with its leading separator; may be empty
 * @param answerPrefix text the answer is forced to start with; may be empty
 * @param answers      references; how they are used depends on the metric (max over them for
 *                     LongBench, all/any of them for RULER)
 * @param maxNewTokens generation limit the reference harness uses for this task
 * @param metric       a name known to {@link dev.kvasir.eval.metrics.Metrics}
 * @param metadata     task facts used by metrics and reports (depth, length, needle, all_classes,
 *                     ...); values are JSON-friendly (String, Number, Boolean, List, Map)
 */
public record EvalSample(
        String id,
        String context,
        String question,
        String answerPrefix,
        List<String> answers,
        int maxNewTokens,
        String metric,
        Map<String, Object> metadata) {

    /** Metadata key: target length in tokens the sample was built for. */
    public static final String LENGTH = "length";
    /** Metadata key: requested needle depth, a fraction in [0, 1]. */
    public static final String DEPTH = "depth";
    /** Metadata key: the needle text. */
    public static final String NEEDLE = "needle";
    /** Metadata key: tokens of {@link #prompt()} with the tokenizer the task was built with. */
    public static final String PROMPT_TOKENS = "promptTokens";
    /** Metadata key: LongBench's class list for classification tasks. */
    public static final String ALL_CLASSES = "all_classes";
    /** Metadata key: a post-processing step applied to the prediction before scoring. */
    public static final String POSTPROCESS = "postprocess";
    /** Metadata key: whether the reference harness wraps this prompt in the chat template. */
    public static final String CHAT_TEMPLATE = "chatTemplate";
    /** Metadata key: whether generation also stops at a newline (LongBench samsum, needle). */
    public static final String STOP_AT_NEWLINE = "stopAtNewline";
    /**
     * The task as result rows name it when a task option changes how it is scored (e.g.
     * {@code niah:metric=rouge1-f}), so rows scored differently never share a table line; absent: the task's name.
     */
    public static final String TASK_LABEL = "taskLabel";

    public EvalSample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(context, "context");
        question = question == null ? "" : question;
        answerPrefix = answerPrefix == null ? "" : answerPrefix;
        answers = List.copyOf(answers);
        Objects.requireNonNull(metric, "metric");
        if (maxNewTokens <= 0) throw new IllegalArgumentException("maxNewTokens must be positive: " + maxNewTokens);
        metadata = Map.copyOf(metadata);
    }

    /** The prompt as the reference harness builds it for a base model: the three parts joined as they are. */
    public String prompt() {
        return context + question + answerPrefix;
    }

    /** A metadata value, or {@code fallback} when absent. */
    @SuppressWarnings("unchecked")
    public <T> T meta(String key, T fallback) {
        Object v = metadata.get(key);
        return v == null ? fallback : (T) v;
    }
}
