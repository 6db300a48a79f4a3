package dev.kvasir.eval.run;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code --shard auto} from a Kubernetes Indexed Job's or a Slurm array's environment. */
class ShardTest {

    @Test
    void kubernetesIndexedJobTakesTheCountFromTheManifest() {
        assertThat(Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", "2", "KVASIR_SHARD_COUNT", "4"))).isEqualTo(new Shard(2, 4));
        assertThatThrownBy(() -> Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", "2")))
                .hasMessageContaining("KVASIR_SHARD_COUNT").hasMessageContaining("completions");
        assertThatThrownBy(() -> Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", "4", "KVASIR_SHARD_COUNT", "4")))
                .hasMessageContaining("shard 4").hasMessageContaining("4 shards");
    }

    @Test
    void slurmArraysCountFromTheirMinimumInSteps() {
        assertThat(Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "3"))).isEqualTo(new Shard(0, 3));
        // --array=1-8
        assertThat(Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "8", "SLURM_ARRAY_TASK_MIN", "1",
                "SLURM_ARRAY_TASK_STEP", "1"))).isEqualTo(new Shard(7, 8));
        // --array=10-24:2 is 8 tasks: 10, 12, ..., 24
        assertThat(Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "14", "SLURM_ARRAY_TASK_COUNT", "8", "SLURM_ARRAY_TASK_MIN", "10",
                "SLURM_ARRAY_TASK_STEP", "2"))).isEqualTo(new Shard(2, 8));
        assertThatThrownBy(() -> Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "3")))
                .hasMessageContaining("SLURM_ARRAY_TASK_COUNT");
        // an array started at 1 without telling its minimum would run shard 8 of 8
        assertThatThrownBy(() -> Shard.parse("auto", Map.of("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "8")))
                .hasMessageContaining("shard 8");
    }

    @Test
    void withoutABatchSystemAutoSaysWhatItLookedFor() {
        assertThatThrownBy(() -> Shard.parse("auto", Map.of()))
                .hasMessageContaining("JOB_COMPLETION_INDEX").hasMessageContaining("SLURM_ARRAY_TASK_ID").hasMessageContaining("--shard i/N");
        assertThatThrownBy(() -> Shard.parse("auto", Map.of("JOB_COMPLETION_INDEX", "x", "KVASIR_SHARD_COUNT", "2")))
                .hasMessageContaining("JOB_COMPLETION_INDEX='x'");
        assertThat(Shard.parse("1/3", Map.of("JOB_COMPLETION_INDEX", "0", "KVASIR_SHARD_COUNT", "2"))).isEqualTo(new Shard(1, 3));
    }
}
