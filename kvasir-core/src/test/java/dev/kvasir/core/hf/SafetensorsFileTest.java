package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import dev.kvasir.core.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads tinystories-656k (F32, tied embeddings) and small files written by {@link SafetensorsWriter}. */
class SafetensorsFileTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void tinyStoriesTensorsMatchTheConfig() {
        Path model = TestResources.tinystories656k();
        HfConfig config = HfConfig.read(model.resolve("config.json"));
        try (SafetensorsFile st = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            int hidden = config.hiddenSize();
            int qDim = config.numAttentionHeads() * config.headDim();
            int kvDim = config.numKeyValueHeads() * config.headDim();
            int inter = config.intermediateSize();
            assertThat(st.tensors()).hasSize(2 + 9 * config.numHiddenLayers());
            assertShape(st, "lm_head.weight", config.vocabSize(), hidden);
            assertShape(st, "model.norm.weight", hidden);
            for (int l = 0; l < config.numHiddenLayers(); l++) {
                String p = "model.layers." + l + ".";
                assertShape(st, p + "self_attn.q_proj.weight", qDim, hidden);
                assertShape(st, p + "self_attn.k_proj.weight", kvDim, hidden);
                assertShape(st, p + "self_attn.v_proj.weight", kvDim, hidden);
                assertShape(st, p + "self_attn.o_proj.weight", hidden, qDim);
                assertShape(st, p + "mlp.gate_proj.weight", inter, hidden);
                assertShape(st, p + "mlp.up_proj.weight", inter, hidden);
                assertShape(st, p + "mlp.down_proj.weight", hidden, inter);
                assertShape(st, p + "input_layernorm.weight", hidden);
                assertShape(st, p + "post_attention_layernorm.weight", hidden);
            }
            // tied embeddings: the header maps the embedding onto lm_head in __metadata__
            assertThat(config.tieWordEmbeddings()).isTrue();
            assertThat(st.tensor("model.embed_tokens.weight")).isEmpty();
            assertThat(st.metadata()).containsEntry("format", "pt").containsEntry("model.embed_tokens.weight", "lm_head.weight");

            SafetensorsTensor lmHead = st.tensor("lm_head.weight").orElseThrow();
            assertThat(lmHead.rows()).isEqualTo(2048);
            assertThat(lmHead.cols()).isEqualTo(128);
            assertThat(lmHead.ggmlType()).isEqualTo(GgmlType.F32);
            assertThat(lmHead.offset()).isEqualTo(st.dataOffset());
            assertThat(st.dataOffset()).isEqualTo(8 + 2160);
            long total = st.tensors().stream().mapToLong(SafetensorsTensor::byteSize).sum();
            assertThat(total).isEqualTo(st.fileSize() - st.dataOffset());

            for (SafetensorsTensor t : st.tensors()) {
                st.requireSupported(t);
                MemorySegment data = st.data(t);
                assertThat(data.byteSize()).isEqualTo(4 * t.elements());
                double sumAbs = 0;
                for (long i = 0; i < t.elements(); i++) {
                    float v = data.getAtIndex(F32_LE, i);
                    assertThat(Float.isFinite(v)).as("%s[%d]", t.name(), i).isTrue();
                    sumAbs += Math.abs(v);
                }
                assertThat(sumAbs).as(t.name()).isPositive();
            }
        }
    }

    private static void assertShape(SafetensorsFile st, String name, long... shape) {
        assertThat(st.tensor(name)).as(name).get().extracting(SafetensorsTensor::shape).isEqualTo(shape);
    }

    @Test
    void halfPrecisionScalarAndEmptyTensors() {
        byte[] f16 = {0x00, 0x3c, 0x00, (byte) 0xc0}; // 1.0, -2.0
        Path file = new SafetensorsWriter()
                .add("h", "F16", new long[] {2}, f16)
                .add("b", "BF16", new long[] {2, 3}, new byte[12])
                .add("scalar", "F32", new long[0], new byte[4])
                .add("empty", "F32", new long[] {0, 4}, new byte[0])
                .add("cube", "F32", new long[] {2, 3, 4}, new byte[96])
                .write(dir.resolve("m.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            SafetensorsTensor h = st.tensor("h").orElseThrow();
            assertThat(h.ggmlType()).isEqualTo(GgmlType.F16);
            assertThat(st.data(h).get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)).isEqualTo((short) 0x3c00);
            assertThat(st.tensor("b").orElseThrow().ggmlType()).isEqualTo(GgmlType.BF16);
            SafetensorsTensor scalar = st.tensor("scalar").orElseThrow();
            assertThat(scalar.rows()).isEqualTo(1);
            assertThat(scalar.cols()).isEqualTo(1);
            assertThat(scalar.elements()).isEqualTo(1);
            assertThat(st.data(st.tensor("empty").orElseThrow()).byteSize()).isZero();
            SafetensorsTensor cube = st.tensor("cube").orElseThrow();
            assertThat(cube.rows()).isEqualTo(6);
            assertThat(cube.cols()).isEqualTo(4);
            assertThat(st.metadata()).isEmpty();
        }
    }

    @Test
    void unsupportedDtypesParseButAreRefused() {
        Path file = new SafetensorsWriter().add("ids", "I64", new long[] {2}, new byte[16]).write(dir.resolve("i.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            SafetensorsTensor ids = st.tensor("ids").orElseThrow();
            assertThat(ids.byteSize()).isEqualTo(16);
            assertThat(ids.supported()).isFalse();
            assertThatThrownBy(() -> st.requireSupported(ids)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("i.safetensors").hasMessageContaining("'ids'")
                    .hasMessageContaining("dtype I64 is not supported (supported: F32, F16, BF16)");
            assertThatThrownBy(ids::ggmlType).isInstanceOf(IllegalStateException.class).hasMessageContaining("I64");
        }
    }

    @Test
    void dataOfAForeignTensorIsRefused() {
        Path file = new SafetensorsWriter().addF32("w", new float[] {1, 2}, 2).write(dir.resolve("w.safetensors"));
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            SafetensorsTensor other = new SafetensorsTensor("w", "F32", new long[] {2}, 0, 8);
            assertThatThrownBy(() -> st.data(other)).isInstanceOf(IllegalArgumentException.class);
            assertThat(st.data(st.tensor("w").orElseThrow()).getAtIndex(F32_LE, 1)).isEqualTo(2f);
        }
    }
}
