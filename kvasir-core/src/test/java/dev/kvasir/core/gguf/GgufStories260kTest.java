package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads the shared stories260K model (Llama 2 architecture, F32). */
class GgufStories260kTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static GgufFile gguf;

    @BeforeAll
    static void open() {
        gguf = GgufFile.open(TestResources.stories260k());
    }

    @AfterAll
    static void close() {
        gguf.close();
    }

    @Test
    void header() {
        assertThat(gguf.version()).isEqualTo(3);
        assertThat(gguf.architecture()).isEqualTo("llama");
        assertThat(gguf.fileSize()).isEqualTo(1_185_376);
        assertThat(gguf.alignment()).isEqualTo(32);
        assertThat(gguf.dataOffset()).isEqualTo(14_176);
        assertThat(gguf.path()).isEqualTo(TestResources.stories260k());
    }

    @Test
    void hyperParameters() {
        assertThat(gguf.getLong("llama.embedding_length")).isEqualTo(64);
        assertThat(gguf.getLong("llama.block_count")).isEqualTo(5);
        assertThat(gguf.getLong("llama.attention.head_count")).isEqualTo(8);
        assertThat(gguf.getLong("llama.attention.head_count_kv")).isEqualTo(4);
        assertThat(gguf.getLong("llama.feed_forward_length")).isEqualTo(172);
        assertThat(gguf.getLong("llama.rope.dimension_count")).isEqualTo(8);
        // The model was trained at 512 tokens, but the converter wrote 2048 into the file.
        assertThat(gguf.getLong("llama.context_length")).isEqualTo(2048);
        assertThat(gguf.getFloat("llama.attention.layer_norm_rms_epsilon", 0f)).isEqualTo(1e-5f);
        assertThat(gguf.getFloat("llama.rope.freq_base", 10000f)).isEqualTo(10000f);
        assertThat(gguf.getLong("llama.vocab_size", -1)).isEqualTo(-1);
    }

    @Test
    void tokenizerMetadata() {
        assertThat(gguf.getString("tokenizer.ggml.model")).isEqualTo("llama");
        String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
        assertThat(tokens).hasSize(512);
        assertThat(tokens).startsWith("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(gguf.getFloatArray("tokenizer.ggml.scores")).hasSize(512);
        assertThat(gguf.getIntArray("tokenizer.ggml.token_type")).hasSize(512);
        assertThat(gguf.getLong("tokenizer.ggml.bos_token_id")).isEqualTo(1);
        assertThat(gguf.getLong("tokenizer.ggml.eos_token_id")).isEqualTo(2);
        // uint32 0xFFFFFFFF must be widened without sign extension
        assertThat(gguf.getLong("tokenizer.ggml.padding_token_id")).isEqualTo(4_294_967_295L);
        assertThat(gguf.findString("tokenizer.chat_template")).isEmpty();
        assertThat(gguf.metadata()).hasSize(19);
        assertThat(gguf.metadata().keySet()).startsWith("tokenizer.ggml.tokens", "tokenizer.ggml.scores");
    }

    @Test
    void tensors() {
        List<GgufTensorInfo> tensors = gguf.tensors();
        assertThat(tensors).hasSize(3 + 5 * 9);
        assertThat(tensors.get(0).name()).isEqualTo("token_embd.weight");
        assertThat(tensors).allSatisfy(t -> {
            assertThat(t.type()).isEqualTo(GgmlType.F32);
            assertThat(t.offset() % 32).isZero();
            assertThat(t.byteSize()).isEqualTo(4 * t.elements());
            assertThat(t.offset() + t.byteSize()).isLessThanOrEqualTo(gguf.fileSize());
            assertThat(gguf.tensorData(t).byteSize()).isEqualTo(t.byteSize());
        });
        assertShape("token_embd.weight", 64, 512);
        assertShape("output.weight", 64, 512);
        assertShape("output_norm.weight", 64);
        for (int layer = 0; layer < 5; layer++) {
            String p = "blk." + layer + ".";
            assertShape(p + "attn_q.weight", 64, 64);
            assertShape(p + "attn_k.weight", 64, 32);
            assertShape(p + "attn_v.weight", 64, 32);
            assertShape(p + "attn_output.weight", 64, 64);
            assertShape(p + "attn_norm.weight", 64);
            assertShape(p + "ffn_gate.weight", 64, 172);
            assertShape(p + "ffn_up.weight", 64, 172);
            assertShape(p + "ffn_down.weight", 172, 64);
            assertShape(p + "ffn_norm.weight", 64);
        }
        GgufTensorInfo embd = gguf.tensor("token_embd.weight").orElseThrow();
        assertThat(embd.rows()).isEqualTo(512);
        assertThat(embd.cols()).isEqualTo(64);
        assertThat(embd.offset()).isEqualTo(gguf.dataOffset());
        assertThat(gguf.tensor("blk.0.ffn_down.weight").orElseThrow().rows()).isEqualTo(64);
        assertThat(gguf.tensor("no.such.tensor")).isEmpty();
    }

    private static void assertShape(String name, long... shape) {
        assertThat(gguf.tensor(name)).as(name).get().extracting(GgufTensorInfo::shape).isEqualTo(shape);
    }

    @Test
    void tensorDataIsReadable() {
        GgufTensorInfo embd = gguf.tensor("token_embd.weight").orElseThrow();
        MemorySegment data = gguf.tensorData(embd);
        assertThat(data.byteSize()).isEqualTo(512L * 64 * 4);
        double sumAbs = 0;
        for (int i = 0; i < 64 * 512; i++) {
            float v = data.getAtIndex(F32_LE, i);
            assertThat(Float.isFinite(v)).as("element %d = %s", i, v).isTrue();
            sumAbs += Math.abs(v);
        }
        assertThat(sumAbs).isPositive();
        // RMS-norm weights of a trained model are mostly near 1, never all zero
        MemorySegment norm = gguf.tensorData(gguf.tensor("output_norm.weight").orElseThrow());
        assertThat(norm.getAtIndex(F32_LE, 0)).isNotZero();
    }

    @Test
    void supportedTypesPass() {
        gguf.tensors().forEach(gguf::requireSupported);
    }

    @Test
    void typedGettersNameTheKey() {
        assertThatThrownBy(() -> gguf.getString("llama.block_count"))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("stories260K.gguf").hasMessageContaining("llama.block_count")
                .hasMessageContaining("expected a string");
        assertThatThrownBy(() -> gguf.getLong("llama.nonexistent"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("llama.nonexistent")
                .hasMessageContaining("missing");
        assertThatThrownBy(() -> gguf.getStringArray("tokenizer.ggml.scores"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.ggml.scores");
        assertThatThrownBy(() -> gguf.getIntArray("tokenizer.ggml.tokens"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tokenizer.ggml.tokens");
        assertThatThrownBy(() -> gguf.getFloat("general.name", 0f))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("general.name");
        assertThatThrownBy(() -> gguf.getBoolean("general.name", false))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("general.name");
    }

    @Test
    void returnedArraysAreCopies() {
        gguf.getStringArray("tokenizer.ggml.tokens")[0] = "changed";
        assertThat(gguf.getStringArray("tokenizer.ggml.tokens")[0]).isEqualTo("<unk>");
        long[] shape = gguf.tensors().get(0).shape();
        shape[0] = 1;
        assertThat(gguf.tensors().get(0).shape()[0]).isEqualTo(64);
    }
}
