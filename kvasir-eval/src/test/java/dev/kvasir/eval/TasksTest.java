package dev.kvasir.eval;

import dev.kvasir.eval.task.NiahTask;
import dev.kvasir.eval.task.PasskeyTask;
import dev.kvasir.eval.task.RulerJsonlTask;
import dev.kvasir.eval.task.longbench.LongBenchTask;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TasksTest {
    @Test
    void namesResolveToTasks() {
        assertThat(Tasks.byName("passkey")).isInstanceOf(PasskeyTask.class);
        assertThat(Tasks.byName("niah")).isInstanceOf(NiahTask.class);
        assertThat(Tasks.byName("ruler-jsonl")).isInstanceOf(RulerJsonlTask.class);
        assertThat(Tasks.byName("longbench")).isInstanceOf(LongBenchTask.class);
        assertThat(Tasks.byName("niah_multivalue").name()).isEqualTo("niah_multivalue");
        assertThat(Tasks.byName("hotpotqa_e").name()).isEqualTo("hotpotqa_e");
        assertThat(Tasks.names()).contains("vt", "cwe", "fwe", "multi_news", "lcc");
        assertThatThrownBy(() -> Tasks.byName("mmlu")).hasMessageContaining("unknown task 'mmlu'");
    }

    @Test
    void generatedTasksExplainWhatIsMissing() {
        assertThatThrownBy(() -> Tasks.byName("passkey").samples(TaskConfig.builder().build()))
                .hasMessageContaining("a tokenizer is required");
        assertThatThrownBy(() -> Tasks.byName("niah").samples(TaskConfig.builder().tokenizer(new WordTokenizer()).build()))
                .hasMessageContaining("needs a data path");
        assertThatThrownBy(() -> TaskConfig.builder().depths(1.5).build()).hasMessageContaining("[0, 1]");
    }
}
