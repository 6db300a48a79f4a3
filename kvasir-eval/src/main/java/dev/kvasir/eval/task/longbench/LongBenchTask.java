package dev.kvasir.eval.task.longbench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.metrics.Metrics;
import dev.kvasir.eval.task.Jsonl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a LongBench jsonl file ({@code input}, {@code context}, {@code answers},
 * {@code all_classes}, {@code dataset}, {@code length}, {@code language}, {@code _id}) and builds
 * each prompt with the dataset's official template.
 *
 * <p>The filled template is split where the document ends: the sample's context is the
 * instructions plus the document, its question is the rest of the template with
 * {@code {input}} filled (it ends with the answer cue, e.g. "\n\nSummary:"), and the answer
 * prefix is empty; {@link EvalSample#prompt()} is exactly LongBench's prompt. Generation limit
 * and metric follow dataset2maxlen / dataset2metric. Metadata carries what the official
 * pipeline does differently per dataset: {@code chatTemplate} (false for trec, triviaqa, samsum,
 * lsht, lcc, repobench-p), {@code postprocess=first_line} (trec, triviaqa, samsum, lsht) and
 * {@code stopAtNewline} (samsum). Prompts longer than the model window should be cut with
 * {@link dev.kvasir.eval.text.MiddleTruncation} by the runner, as LongBench does.
 *
 * <p>The dataset is the rows' {@code dataset} field, or the option {@code dataset}, or the file name.
 */
public final class LongBenchTask implements Task {
    public static final String NAME = "longbench";

    private final String name;

    /** A reader named after the dataset it finds in the file. */
    public LongBenchTask() {
        this(null);
    }

    /** A reader reporting under a fixed name (e.g. {@code multi_news}). */
    public LongBenchTask(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name != null ? name : NAME;
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        Path file = config.requireDataPath(name(), "a LongBench jsonl file");
        String fallbackDataset = config.option("dataset").orElseGet(() -> stem(file));
        List<EvalSample> out = new ArrayList<>();
        int row = 0;
        for (JsonNode node : Jsonl.read(file)) {
            String dataset = node.hasNonNull("dataset") ? node.get("dataset").asText() : fallbackDataset;
            out.add(sample(node, dataset, row++, file));
        }
        return config.limited(out);
    }

    static EvalSample sample(JsonNode node, String dataset, int row, Path file) {
        LongBenchDatasets.Spec spec = LongBenchDatasets.spec(dataset);
        String base = spec.dataset();
        String[] parts = split(spec.template());
        String context = parts[0] + Jsonl.text(node, "context", file);
        String question = parts[1].replace("{input}", Jsonl.text(node, "input", file));

        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("dataset", dataset);
        if (node.hasNonNull("length")) meta.put(EvalSample.LENGTH, node.get("length").asInt());
        if (node.hasNonNull("language")) meta.put("language", node.get("language").asText());
        List<String> classes = Jsonl.strings(node, "all_classes");
        if (!classes.isEmpty()) meta.put(EvalSample.ALL_CLASSES, classes);
        String id = node.hasNonNull("_id") ? node.get("_id").asText() : String.valueOf(row);
        meta.put("_id", id);
        meta.put(EvalSample.CHAT_TEMPLATE, !LongBenchDatasets.NO_CHAT_TEMPLATE.contains(base));
        if (LongBenchDatasets.FIRST_LINE.contains(base)) meta.put(EvalSample.POSTPROCESS, Metrics.FIRST_LINE);
        if (LongBenchDatasets.STOP_AT_NEWLINE.contains(base)) meta.put(EvalSample.STOP_AT_NEWLINE, true);
        return new EvalSample(dataset + "-" + id, context, question, "", Jsonl.strings(node, "answers"),
                spec.maxNewTokens(), spec.metric(), meta);
    }

    /** The template before and after {@code {context}}; in every LongBench template the question comes after the document. */
    static String[] split(String template) {
        int at = template.indexOf("{context}");
        if (at < 0 || template.indexOf("{input}") >= 0 && template.indexOf("{input}") < at) {
            throw new IllegalStateException("unexpected LongBench template: " + template);
        }
        return new String[] {template.substring(0, at), template.substring(at + "{context}".length())};
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".jsonl") ? n.substring(0, n.length() - ".jsonl".length()) : n;
    }
}
