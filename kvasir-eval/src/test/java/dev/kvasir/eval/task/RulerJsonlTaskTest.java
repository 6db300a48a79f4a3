package dev.kvasir.eval.task;

import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.TaskConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RulerJsonlTaskTest {
    @Test
    void readsRowsAsWholeInputs(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("niah_multikey_2.jsonl");
        Files.writeString(file, """
                {"index": 0, "input": "Some text.\\nWhat is the number? The number is", "outputs": ["1234567"], "length": 4096}

                {"index": 1, "input": "Other text.", "outputs": ["1", "2"], "length": 4000, "answer_prefix": " The numbers are"}
                """);
        List<EvalSample> samples = new RulerJsonlTask().samples(TaskConfig.builder().dataPath(file).build());
        assertThat(samples).hasSize(2);
        EvalSample first = samples.getFirst();
        assertThat(first.id()).isEqualTo("niah_multikey_2-0");
        assertThat(first.context()).isEqualTo("Some text.\nWhat is the number? The number is");
        assertThat(first.question()).isEmpty();
        assertThat(first.answerPrefix()).isEmpty();
        assertThat(first.answers()).containsExactly("1234567");
        assertThat(first.maxNewTokens()).isEqualTo(128);
        assertThat(first.metric()).isEqualTo("string_match_all");
        assertThat(first.metadata()).containsEntry(EvalSample.LENGTH, 4096);
        assertThat(samples.get(1).answerPrefix()).isEqualTo(" The numbers are");
        assertThat(samples.get(1).prompt()).isEqualTo("Other text. The numbers are");
    }

    @Test
    void taskNameChoosesMetricAndLength(@TempDir Path dir) throws Exception {
        Path qa = dir.resolve("qa_1").resolve("validation.jsonl");
        Files.createDirectories(qa.getParent());
        Files.writeString(qa, "{\"index\": 3, \"input\": \"q\", \"outputs\": [\"a\", \"b\"]}\n");
        EvalSample s = new RulerJsonlTask().samples(TaskConfig.builder().dataPath(qa).build()).getFirst();
        assertThat(s.id()).isEqualTo("qa_1-3");
        assertThat(s.metric()).isEqualTo("string_match_part");
        assertThat(s.maxNewTokens()).isEqualTo(32);
        assertThat(RulerJsonlTask.maxNewTokens("vt")).isEqualTo(30);
        assertThat(RulerJsonlTask.maxNewTokens("cwe")).isEqualTo(120);
        assertThat(RulerJsonlTask.maxNewTokens("fwe")).isEqualTo(50);
    }

    @Test
    void badLinesNameTheFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("vt.jsonl");
        Files.writeString(file, "{\"input\": \"x\", \"outputs\": []}\n{not json\n");
        assertThatThrownBy(() -> new RulerJsonlTask().samples(TaskConfig.builder().dataPath(file).build()))
                .hasMessageContaining("vt.jsonl:2");
    }
}
