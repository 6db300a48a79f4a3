package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;

import static dev.kvasir.core.gguf.GgufWriter.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every metadata value type and its Java representation, through files written by {@link GgufWriter}. */
class GgufMetadataTest {
    @TempDir
    Path dir;

    private GgufFile open(GgufWriter w) {
        return GgufFile.open(w.write(dir.resolve("model.gguf")));
    }

    @Test
    void scalarsOfEveryType() {
        GgufWriter w = new GgufWriter()
                .putUInt8("u8", 255).putInt8("i8", -1)
                .putUInt16("u16", 65535).putInt16("i16", -32768)
                .putUInt32("u32", 4_294_967_295L).putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", 1L << 40).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 1.5f).putFloat64("f64", -2.25)
                .putBool("yes", true).putBool("no", false)
                .putString("s", "héllo ✓");
        try (GgufFile g = open(w)) {
            assertThat(g.metadata()).containsExactly(
                    entry("u8", 255L), entry("i8", -1L), entry("u16", 65535L), entry("i16", -32768L),
                    entry("u32", 4_294_967_295L), entry("i32", (long) Integer.MIN_VALUE),
                    entry("u64", 1L << 40), entry("i64", Long.MIN_VALUE),
                    entry("f32", 1.5f), entry("f64", -2.25), entry("yes", true), entry("no", false),
                    entry("s", "héllo ✓"));
            assertThat(g.getFloat("f64", 0f)).isEqualTo(-2.25f);
            assertThat(g.getFloat("u8", 0f)).isEqualTo(255f);
            assertThat(g.getFloat("absent", 7f)).isEqualTo(7f);
            assertThat(g.getBoolean("yes", false)).isTrue();
            assertThat(g.getBoolean("absent", true)).isTrue();
            assertThat(g.getLong("absent", 42)).isEqualTo(42);
            assertThat(g.findString("s")).contains("héllo ✓");
            assertThat(g.tensors()).isEmpty();
            assertThatThrownBy(() -> g.getLong("f32")).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'f32'").hasMessageContaining("expected an integer");
            assertThatThrownBy(g::architecture).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("general.architecture").hasMessageContaining("missing");
        }
    }

    private static Map.Entry<String, Object> entry(String k, Object v) {
        return Map.entry(k, v);
    }

    @Test
    void arraysOfEveryType() {
        ByteBuffer u8 = le(3).put((byte) 0).put((byte) 128).put((byte) 255);
        ByteBuffer i8 = le(2).put((byte) -128).put((byte) 127);
        ByteBuffer u16 = le(4).putShort((short) 65535).putShort((short) 1);
        ByteBuffer i16 = le(4).putShort((short) -32768).putShort((short) 32767);
        ByteBuffer u32 = le(8).putInt(-1).putInt(7);
        ByteBuffer i64 = le(16).putLong(Long.MIN_VALUE).putLong(Long.MAX_VALUE);
        ByteBuffer u64 = le(8).putLong(-1);
        ByteBuffer f64 = le(16).putDouble(0.5).putDouble(-1e300);
        GgufWriter w = new GgufWriter()
                .putRaw("u8", TYPE_ARRAY, array(TYPE_UINT8, 3, u8.array()))
                .putRaw("i8", TYPE_ARRAY, array(TYPE_INT8, 2, i8.array()))
                .putRaw("u16", TYPE_ARRAY, array(TYPE_UINT16, 2, u16.array()))
                .putRaw("i16", TYPE_ARRAY, array(TYPE_INT16, 2, i16.array()))
                .putInt32Array("i32", -5, 0, Integer.MAX_VALUE)
                .putRaw("u32", TYPE_ARRAY, array(TYPE_UINT32, 2, u32.array()))
                .putRaw("i64", TYPE_ARRAY, array(TYPE_INT64, 2, i64.array()))
                .putRaw("u64", TYPE_ARRAY, array(TYPE_UINT64, 1, u64.array()))
                .putFloat32Array("f32", 1f, -0f, Float.NaN)
                .putRaw("f64", TYPE_ARRAY, array(TYPE_FLOAT64, 2, f64.array()))
                .putRaw("bool", TYPE_ARRAY, array(TYPE_BOOL, 3, new byte[] {1, 0, 1}))
                .putStringArray("str", "a", "", "ü")
                .putInt32Array("empty");
        try (GgufFile g = open(w)) {
            var m = g.metadata();
            assertThat((int[]) m.get("u8")).containsExactly(0, 128, 255);
            assertThat((int[]) m.get("i8")).containsExactly(-128, 127);
            assertThat((int[]) m.get("u16")).containsExactly(65535, 1);
            assertThat((int[]) m.get("i16")).containsExactly(-32768, 32767);
            assertThat((int[]) m.get("i32")).containsExactly(-5, 0, Integer.MAX_VALUE);
            assertThat((long[]) m.get("u32")).containsExactly(4_294_967_295L, 7);
            assertThat((long[]) m.get("i64")).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat((long[]) m.get("u64")).containsExactly(-1L);
            assertThat((float[]) m.get("f32")).containsExactly(1f, -0f, Float.NaN);
            assertThat((double[]) m.get("f64")).containsExactly(0.5, -1e300);
            assertThat((boolean[]) m.get("bool")).containsExactly(true, false, true);
            assertThat((String[]) m.get("str")).containsExactly("a", "", "ü");
            assertThat((int[]) m.get("empty")).isEmpty();

            assertThat(g.getIntArray("u16")).containsExactly(65535, 1);
            assertThat(g.getFloatArray("f64")).containsExactly(0.5f, Float.NEGATIVE_INFINITY);
            assertThatThrownBy(() -> g.getIntArray("u32")).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'u32'").hasMessageContaining("4294967295");
            assertThatThrownBy(() -> g.getStringArray("i32")).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("'i32'").hasMessageContaining("expected an array of strings");
        }
    }

    @Test
    void uint32ArrayWithSmallValuesReadsAsIntArray() {
        GgufWriter w = new GgufWriter().putRaw("ids", TYPE_ARRAY, array(TYPE_UINT32, 2, le(8).putInt(3).putInt(9).array()));
        try (GgufFile g = open(w)) {
            assertThat(g.getIntArray("ids")).containsExactly(3, 9);
        }
    }

    @Test
    void nestedArrays() {
        byte[] inner1 = array(TYPE_INT32, 2, le(8).putInt(1).putInt(2).array());
        byte[] inner2 = array(TYPE_STRING, 1, string("x"));
        byte[] outer = array(TYPE_ARRAY, 2, concat(inner1, inner2));
        byte[] deeper = array(TYPE_ARRAY, 1, outer);
        try (GgufFile g = open(new GgufWriter().putRaw("nested", TYPE_ARRAY, outer).putRaw("deeper", TYPE_ARRAY, deeper))) {
            Object[] nested = (Object[]) g.metadata().get("nested");
            assertThat(nested).hasSize(2);
            assertThat((int[]) nested[0]).containsExactly(1, 2);
            assertThat((String[]) nested[1]).containsExactly("x");
            Object[] d = (Object[]) g.metadata().get("deeper");
            assertThat(((int[]) ((Object[]) d[0])[0])).containsExactly(1, 2);
        }
    }

    static byte[] concat(byte[]... parts) {
        var out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    @Test
    void invalidUtf8IsDecodedWithReplacement() {
        GgufWriter w = new GgufWriter().putRaw("bad", TYPE_STRING, bytes(new byte[] {'a', (byte) 0xff, 'b'}));
        try (GgufFile g = open(w)) {
            assertThat(g.getString("bad")).isEqualTo("a\uFFFDb");
        }
    }

    @Test
    void versionTwoIsRead() {
        try (GgufFile g = open(new GgufWriter().version(2).putString("general.architecture", "llama"))) {
            assertThat(g.version()).isEqualTo(2);
            assertThat(g.architecture()).isEqualTo("llama");
        }
    }

    @Test
    void tensorsAndTheirData() {
        float[] values = new float[4 * 3];
        for (int i = 0; i < values.length; i++) values[i] = i * 0.5f;
        byte[] q4 = new byte[2 * GgmlType.Q4_0.typeSize()];
        q4[0] = 1;
        GgufWriter w = new GgufWriter().alignment(64)
                .putString("general.architecture", "test")
                .addF32Tensor("a", values, 4, 3)
                .addTensor("q", GgmlType.Q4_0, new long[] {64}, q4)
                .addTensor("v", GgmlType.F16, new long[] {2, 1, 1, 1}, new byte[4]);
        try (GgufFile g = open(w)) {
            assertThat(g.alignment()).isEqualTo(64);
            assertThat(g.tensors()).extracting(GgufTensorInfo::name).containsExactly("a", "q", "v");
            assertThat(g.tensors()).allSatisfy(t -> assertThat(t.offset() % 64).isZero());
            GgufTensorInfo a = g.tensor("a").orElseThrow();
            assertThat(a.rows()).isEqualTo(3);
            assertThat(a.cols()).isEqualTo(4);
            assertThat(a.elements()).isEqualTo(12);
            assertThat(a.offset()).isEqualTo(g.dataOffset());
            var data = g.tensorData(a);
            for (int i = 0; i < values.length; i++) {
                assertThat(data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i)).isEqualTo(values[i]);
            }
            GgufTensorInfo q = g.tensor("q").orElseThrow();
            assertThat(q.byteSize()).isEqualTo(36);
            assertThat(g.tensorData(q).get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
            assertThat(g.tensor("v").orElseThrow().nDims()).isEqualTo(4);
            GgufTensorInfo foreign = new GgufTensorInfo("a", GgmlType.F32, new long[] {4, 3}, 0, 48);
            assertThatThrownBy(() -> g.tensorData(foreign)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void unsupportedTypesParseButAreRefusedByRequireSupported() {
        GgufWriter w = new GgufWriter()
                .addTensor("k", GgmlType.Q2_K, new long[] {256, 2}, new byte[2 * GgmlType.Q2_K.typeSize()]);
        try (GgufFile g = open(w)) {
            GgufTensorInfo k = g.tensor("k").orElseThrow();
            assertThat(k.type()).isEqualTo(GgmlType.Q2_K);
            assertThatThrownBy(() -> g.requireSupported(k)).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("model.gguf").hasMessageContaining("'k'")
                    .hasMessageContaining("tensor type Q2_K is not supported (supported: F32, F16, Q4_0")
                    .hasMessageContaining("BF16");
        }
    }

    @Test
    void emptyFileWithOnlyAHeaderIsValid() {
        try (GgufFile g = open(new GgufWriter())) {
            assertThat(g.metadata()).isEmpty();
            assertThat(g.tensors()).isEmpty();
            assertThat(g.fileSize()).isEqualTo(24);
        }
    }

    @Test
    void closeIsIdempotentAndUnmaps() {
        GgufFile g = open(new GgufWriter().addF32Tensor("t", new float[] {1, 2}, 2));
        var data = g.tensorData(g.tensors().getFirst());
        g.close();
        g.close();
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void inMemoryParseMatchesFileParse() {
        byte[] bytes = new GgufWriter().putString("general.architecture", "x").addF32Tensor("t", new float[] {3f}, 1).toBytes();
        try (GgufFile g = GgufFile.parse(Path.of("mem.gguf"), MemorySegment.ofArray(bytes))) {
            assertThat(g.architecture()).isEqualTo("x");
            assertThat(g.tensorData(g.tensors().getFirst()).get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0)).isEqualTo(3f);
        }
    }
}
