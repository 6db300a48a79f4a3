package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class SafetensorsCheckpointTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void singleFileCheckpointFromTheModelDirectory() {
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(TestResources.tinystories656k())) {
            assertThat(ckpt.shards()).hasSize(1);
            assertThat(ckpt.tensors()).hasSize(20);
            SafetensorsTensor norm = ckpt.tensor("model.norm.weight").orElseThrow();
            assertThat(ckpt.data(norm).byteSize()).isEqualTo(512);
            assertThat(ckpt.shardOf(norm).path().getFileName()).hasToString("model.safetensors");
        }
    }

    private void writeShards(String index) throws IOException {
        new SafetensorsWriter().addF32("a", new float[] {1, 2}, 2).addF32("b", new float[] {3}, 1)
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().addF32("c", new float[] {4, 5, 6, 7}, 2, 2)
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), index);
    }

    private static final String INDEX = """
            {"metadata": {"total_size": 28}, "weight_map": {
              "a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
              "c": "model-00002-of-00002.safetensors"}}""";

    @Test
    void shardedCheckpoint() throws IOException {
        writeShards(INDEX);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir)) {
            assertThat(ckpt.shards()).hasSize(2);
            assertThat(ckpt.tensors()).extracting(SafetensorsTensor::name).containsExactly("a", "b", "c");
            SafetensorsTensor c = ckpt.tensor("c").orElseThrow();
            assertThat(c.rows()).isEqualTo(2);
            assertThat(ckpt.data(c).getAtIndex(F32_LE, 3)).isEqualTo(7f);
            assertThat(ckpt.data(ckpt.tensor("b").orElseThrow()).getAtIndex(F32_LE, 0)).isEqualTo(3f);
            assertThat(ckpt.shardOf(c).path().getFileName()).hasToString("model-00002-of-00002.safetensors");
            assertThat(ckpt.tensor("d")).isEmpty();
        }
        try (SafetensorsCheckpoint viaIndex = SafetensorsCheckpoint.open(dir.resolve(SafetensorsCheckpoint.INDEX_FILE))) {
            assertThat(viaIndex.tensors()).hasSize(3);
        }
    }

    private ModelFormatException refused(Path path) {
        Throwable t = catchThrowable(() -> SafetensorsCheckpoint.open(path).close());
        assertThat(t).isInstanceOf(ModelFormatException.class);
        return (ModelFormatException) t;
    }

    @Test
    void indexProblems() throws IOException {
        writeShards(INDEX.replace("\"c\": \"model-00002", "\"c\": \"model-00001"));
        assertThat(refused(dir)).hasMessageContaining(SafetensorsCheckpoint.INDEX_FILE)
                .hasMessageContaining("weight_map.c").hasMessageContaining("not in its listed shard");

        writeShards(INDEX.replace("model-00002-of-00002", "model-00003-of-00002"));
        assertThat(refused(dir)).hasMessageContaining("model-00003-of-00002.safetensors").hasMessageContaining("no such file");

        writeShards(INDEX.replace("model-00002-of-00002", "../model-00002-of-00002"));
        assertThat(refused(dir)).hasMessageContaining("weight_map.c").hasMessageContaining("not a file beside the index");

        writeShards("{\"weight_map\": []}");
        assertThat(refused(dir)).hasMessageContaining("'weight_map'");

        writeShards("{\"weight_map\": {}}");
        assertThat(refused(dir)).hasMessageContaining("lists no tensors");
    }

    @Test
    void tensorInTwoShards() throws IOException {
        writeShards(INDEX);
        new SafetensorsWriter().addF32("a", new float[] {4, 5, 6, 7}, 4).write(dir.resolve("model-00002-of-00002.safetensors"));
        assertThat(refused(dir)).hasMessageContaining("'a'").hasMessageContaining("also in model-00001-of-00002.safetensors");
    }

    @Test
    void missingModelFile() {
        assertThat(refused(dir)).hasMessageContaining("model.safetensors").hasMessageContaining("no such file");
    }
}
