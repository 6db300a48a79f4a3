package dev.kvasir.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.Task;
import dev.kvasir.eval.TaskConfig;
import dev.kvasir.eval.metrics.StringMatch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads RULER's prepared jsonl files ({@code index}, {@code input}, {@code outputs},
 * {@code length}, and in newer versions {@code answer_prefix}), e.g. KVCache-Factory's
 * data/RULER/4096/niah_single_1.jsonl or RULER's own {@code <task>/validation.jsonl}.
 *
 * <p>{@code input} already holds the instructions, context and question, so it becomes the
 * sample's context; the question is empty and the answer prefix is {@code answer_prefix} when
 * present (RULER's leading space included). The task name is the option {@code task}, else the
 * file name without extension, or the directory name for {@code validation}/{@code test} files;
 * it chooses the metric ({@code qa*}: string_match_part, others string_match_all) and the
 * generation limit (niah 128, vt 30, cwe 120, fwe 50, qa 32; option {@code maxNewTokens}
 * overrides).
 */
public final class RulerJsonlTask implements Task {
    public static final String NAME = "ruler-jsonl";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<EvalSample> samples(TaskConfig config) {
        Path file = config.requireDataPath(NAME, "a RULER jsonl file");
        String task = config.option("task").orElseGet(() -> taskName(file));
        String metric = task.startsWith("qa") ? StringMatch.PART : StringMatch.ALL;
        int maxNew = config.option("maxNewTokens").map(Integer::parseInt).orElseGet(() -> maxNewTokens(task));
        List<EvalSample> out = new ArrayList<>();
        int row = 0;
        for (JsonNode node : Jsonl.read(file)) {
            String index = node.has("index") ? node.get("index").asText() : String.valueOf(row);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("task", task);
            if (node.has("length")) meta.put(EvalSample.LENGTH, node.get("length").asInt());
            if (node.has("token_position_answer")) meta.put("tokenPositionAnswer", node.get("token_position_answer").asInt());
            String prefix = node.hasNonNull("answer_prefix") ? node.get("answer_prefix").asText() : "";
            out.add(new EvalSample(task + "-" + index, Jsonl.text(node, "input", file), "", prefix,
                    Jsonl.strings(node, "outputs"), maxNew, metric, meta));
            row++;
        }
        return config.limited(out);
    }

    static String taskName(Path file) {
        String stem = Jsonl.stem(file);
        if ((stem.equals("validation") || stem.equals("test")) && file.toAbsolutePath().getParent() != null) {
            return file.toAbsolutePath().getParent().getFileName().toString();
        }
        return stem;
    }

    /** RULER's tokens_to_generate per task family. */
    static int maxNewTokens(String task) {
        if (task.startsWith("niah")) return 128;
        if (task.startsWith("vt") || task.startsWith("variable_tracking")) return 30;
        if (task.startsWith("cwe") || task.startsWith("common_words")) return 120;
        if (task.startsWith("fwe") || task.startsWith("freq_words")) return 50;
        if (task.startsWith("qa")) return 32;
        return 128;
    }
}
