package dev.kvasir.core.gguf;

import org.junit.jupiter.api.Test;

import dev.kvasir.core.TestResources;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reads the default real model, SmolLM2-135M-Instruct Q4_1, from the model cache (fetched by the
 * project when missing, as every command does).
 */
class GgufSmolLm2Test {
    @Test
    void readsTheDefaultModel() {
        try (GgufFile gguf = GgufFile.open(TestResources.defaultModel())) {
            assertThat(gguf.version()).isEqualTo(3);
            assertThat(gguf.architecture()).isEqualTo("llama");
            assertThat(gguf.getLong("llama.block_count")).isEqualTo(30);
            assertThat(gguf.getLong("llama.embedding_length")).isEqualTo(576);
            assertThat(gguf.getLong("llama.feed_forward_length")).isEqualTo(1536);
            assertThat(gguf.getLong("llama.attention.head_count")).isEqualTo(9);
            assertThat(gguf.getLong("llama.attention.head_count_kv")).isEqualTo(3);
            assertThat(gguf.getLong("llama.context_length")).isEqualTo(8192);
            assertThat(gguf.getFloat("llama.rope.freq_base", 0f)).isEqualTo(100000f);
            assertThat(gguf.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
            assertThat(gguf.getStringArray("tokenizer.ggml.tokens")).hasSize(49152);
            assertThat(gguf.getStringArray("tokenizer.ggml.merges")).hasSize(48900).startsWith("Ġ t");
            assertThat(gguf.getString("tokenizer.chat_template")).contains("<|im_start|>");
            assertThat(gguf.getBoolean("tokenizer.ggml.add_bos_token", true)).isFalse();

            Map<GgmlType, Integer> types = new TreeMap<>();
            gguf.tensors().forEach(t -> types.merge(t.type(), 1, Integer::sum));
            assertThat(types).containsExactlyEntriesOf(new TreeMap<>(Map.of(GgmlType.F32, 61, GgmlType.Q4_1, 210, GgmlType.Q8_0, 1)));
            assertThat(gguf.tensors()).hasSize(2 + 30 * 9);

            GgufTensorInfo embd = gguf.tensor("token_embd.weight").orElseThrow();
            assertThat(embd.type()).isEqualTo(GgmlType.Q8_0);
            assertThat(embd.shape()).containsExactly(576, 49152);
            assertThat(embd.byteSize()).isEqualTo(49152L * 576 / 32 * 34);
            GgufTensorInfo down = gguf.tensor("blk.29.ffn_down.weight").orElseThrow();
            assertThat(down.type()).isEqualTo(GgmlType.Q4_1);
            assertThat(down.rows()).isEqualTo(576);
            assertThat(down.cols()).isEqualTo(1536);
            assertThat(gguf.tensor("output.weight")).as("tied embeddings: no output matrix").isEmpty();
            long end = gguf.tensors().stream().mapToLong(t -> t.offset() + t.byteSize()).max().orElseThrow();
            assertThat(end).isLessThanOrEqualTo(gguf.fileSize());
            gguf.tensors().forEach(gguf::requireSupported);
        }
    }
}
