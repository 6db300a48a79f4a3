package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static dev.kvasir.core.gguf.GgufWriter.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Each kind of malformed GGUF file is refused with a message naming the file, the field and the offset. */
class GgufMalformedTest {
    private static final int F32 = GgmlType.F32.id();

    @TempDir
    Path dir;

    /** Opens the bytes as bad.gguf and returns the ModelFormatException it must throw. */
    private ModelFormatException refused(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("bad.gguf"), bytes);
        return refused(file);
    }

    private static ModelFormatException refused(Path file) {
        Throwable t = catchThrowable(() -> GgufFile.open(file).close());
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining(file.getFileName().toString())
                .hasMessageNotContaining("internal parse error");
        return (ModelFormatException) t;
    }

    private static GgufWriter valid() {
        return new GgufWriter().putString("general.architecture", "llama").addF32Tensor("t", new float[8], 8);
    }

    // ---- header --------------------------------------------------------------------------------

    @Test
    void badMagic() throws IOException {
        ModelFormatException e = refused(valid().magic(0x46554746).toBytes());
        assertThat(e.field()).isEqualTo("magic");
        assertThat(e.offset()).isZero();
        assertThat(e).hasMessageContaining("not a GGUF file");
    }

    @Test
    void version1() throws IOException {
        ModelFormatException e = refused(valid().version(1).toBytes());
        assertThat(e.field()).isEqualTo("version");
        assertThat(e.offset()).isEqualTo(4);
        assertThat(e).hasMessageContaining("version 1 is not supported");
    }

    @Test
    void version99() throws IOException {
        assertThat(refused(valid().version(99).toBytes())).hasMessageContaining("unsupported GGUF version 99");
    }

    @Test
    void bigEndianFile() throws IOException {
        assertThat(refused(valid().version(Integer.reverseBytes(3)).toBytes())).hasMessageContaining("big-endian");
    }

    @Test
    void hugeTensorCount() throws IOException {
        ModelFormatException e = refused(valid().tensorCount(1L << 40).toBytes());
        assertThat(e.field()).isEqualTo("tensor_count");
        assertThat(e).hasMessageContaining("1099511627776 cannot fit");
        assertThat(refused(valid().tensorCount(-1).toBytes())).hasMessageContaining("18446744073709551615 cannot fit");
    }

    @Test
    void hugeMetadataCount() throws IOException {
        ModelFormatException e = refused(valid().kvCount(Long.MAX_VALUE).toBytes());
        assertThat(e.field()).isEqualTo("metadata_kv_count");
        assertThat(e.offset()).isEqualTo(16);
    }

    @Test
    void emptyFile() throws IOException {
        ModelFormatException e = refused(new byte[0]);
        assertThat(e.field()).isEqualTo("magic");
        assertThat(e).hasMessageContaining("file is empty");
    }

    @Test
    void shorterThanTheHeader() throws IOException {
        byte[] header = valid().toBytes();
        ModelFormatException e = refused(Arrays.copyOf(header, 10));
        assertThat(e.field()).isEqualTo("tensor_count");
        assertThat(e.offset()).isEqualTo(8);
        assertThat(e).hasMessageContaining("truncated");
    }

    @Test
    void directoryAndMissingFile() {
        assertThat(refused(dir)).hasMessageContaining("is a directory");
        assertThat(refused(dir.resolve("absent.gguf"))).hasMessageContaining("no such file");
    }

    // ---- metadata ------------------------------------------------------------------------------

    @Test
    void hugeStringLength() throws IOException {
        ModelFormatException e = refused(valid().putRaw("general.name", TYPE_STRING, le(8).putLong(1L << 50).array()).toBytes());
        assertThat(e.field()).isEqualTo("general.name");
        assertThat(e).hasMessageContaining("string length 1125899906842624 exceeds");
    }

    @Test
    void hugeKeyLength() throws IOException {
        byte[] header = new GgufWriter().kvCount(1).toBytes();
        ModelFormatException e = refused(GgufMetadataTest.concat(header, le(8).putLong(-2).array(), new byte[40]));
        assertThat(e.field()).isEqualTo("metadata[0].key");
        assertThat(e.offset()).isEqualTo(24);
        assertThat(e).hasMessageContaining("string length 18446744073709551614 exceeds");
    }

    @Test
    void hugeArrayLength() throws IOException {
        ModelFormatException e = refused(valid().putRaw("tokenizer.ggml.tokens", TYPE_ARRAY,
                array(TYPE_STRING, 1L << 40, string("a"))).toBytes());
        assertThat(e.field()).isEqualTo("tokenizer.ggml.tokens");
        assertThat(e).hasMessageContaining("array length 1099511627776 cannot fit");
        assertThat(refused(valid().putRaw("a", TYPE_ARRAY, array(TYPE_INT32, -1, new byte[0])).toBytes()))
                .hasMessageContaining("array length 18446744073709551615");
        // a length that fits the file as bytes but not as 4-byte elements
        assertThat(refused(valid().putRaw("a", TYPE_ARRAY, array(TYPE_INT32, 100, new byte[100])).toBytes()))
                .hasMessageContaining("array length 100 cannot fit");
    }

    @Test
    void unknownValueTypes() throws IOException {
        assertThat(refused(valid().putRaw("k", 13, new byte[8]).toBytes()))
                .hasMessageContaining("'k'").hasMessageContaining("unknown metadata value type id 13");
        assertThat(refused(valid().putRaw("k", TYPE_ARRAY, array(99, 1, new byte[8])).toBytes()))
                .hasMessageContaining("unknown array element type id 99");
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        byte[] value = array(TYPE_INT32, 0, new byte[0]);
        for (int i = 0; i < 10; i++) value = array(TYPE_ARRAY, 1, value);
        assertThat(refused(valid().putRaw("deep", TYPE_ARRAY, value).toBytes())).hasMessageContaining("nested");
    }

    @Test
    void duplicateKey() throws IOException {
        ModelFormatException e = refused(valid().putString("general.architecture", "again").toBytes());
        assertThat(e.field()).isEqualTo("general.architecture");
        assertThat(e).hasMessageContaining("duplicate metadata key");
    }

    @Test
    void badAlignment() throws IOException {
        assertThat(refused(valid().putUInt32("general.alignment", 48).toBytes()))
                .hasMessageContaining("general.alignment").hasMessageContaining("not a power of two");
        assertThat(refused(valid().putUInt32("general.alignment", 0).toBytes())).hasMessageContaining("not a power of two");
        assertThat(refused(valid().putString("general.alignment", "32").toBytes()))
                .hasMessageContaining("general.alignment").hasMessageContaining("expected an integer");
    }

    // ---- tensor infos --------------------------------------------------------------------------

    @Test
    void tensorOffsetPastEndOfFile() throws IOException {
        ModelFormatException e = refused(valid().addRawTensorInfo("far", new long[] {8}, F32, 1L << 20).toBytes());
        assertThat(e.field()).isEqualTo("far");
        assertThat(e).hasMessageContaining("extends past the end of the file");
        assertThat(refused(valid().addRawTensorInfo("neg", new long[] {8}, F32, -32).toBytes()))
                .hasMessageContaining("'neg'").hasMessageContaining("past the end");
    }

    @Test
    void tensorDataTruncated() throws IOException {
        byte[] bytes = valid().toBytes();
        ModelFormatException e = refused(Arrays.copyOf(bytes, bytes.length - 1));
        assertThat(e.field()).isEqualTo("t");
        assertThat(e).hasMessageContaining("truncated");
    }

    @Test
    void unknownTensorType() throws IOException {
        ModelFormatException e = refused(valid().addRawTensorInfo("u", new long[] {32}, 99, 0).toBytes());
        assertThat(e.field()).isEqualTo("u");
        assertThat(e).hasMessageContaining("unknown tensor type id 99");
        assertThat(refused(valid().addRawTensorInfo("u", new long[] {32}, 4, 0).toBytes())) // Q4_2, removed from ggml
                .hasMessageContaining("unknown tensor type id 4");
        assertThat(refused(valid().addRawTensorInfo("u", new long[] {32}, -1, 0).toBytes()))
                .hasMessageContaining("unknown tensor type id 4294967295");
    }

    @Test
    void badDimensionCounts() throws IOException {
        ModelFormatException e = refused(valid().addRawTensorInfo("five", new long[] {1, 1, 1, 1, 1}, F32, 0).toBytes());
        assertThat(e.field()).isEqualTo("five");
        assertThat(e).hasMessageContaining("n_dims 5 is not in 1..4");
        assertThat(refused(valid().addRawTensorInfo("zero", new long[0], F32, 0).toBytes())).hasMessageContaining("n_dims 0");
    }

    @Test
    void badDimensions() throws IOException {
        assertThat(refused(valid().addRawTensorInfo("z", new long[] {4, 0}, F32, 0).toBytes()))
                .hasMessageContaining("'z'").hasMessageContaining("dimension 1 is 0");
        assertThat(refused(valid().addRawTensorInfo("n", new long[] {-4}, F32, 0).toBytes()))
                .hasMessageContaining("dimension 0 is 18446744073709551612");
        assertThat(refused(valid().addRawTensorInfo("o", new long[] {1L << 32, 1L << 32, 1L << 32}, F32, 0).toBytes()))
                .hasMessageContaining("overflows");
        assertThat(refused(valid().addRawTensorInfo("big", new long[] {1, 1L << 32}, F32, 0).toBytes()))
                .hasMessageContaining("too large");
        assertThat(refused(valid().addRawTensorInfo("huge", new long[] {1L << 40, 1L << 22}, 0, 0).toBytes()))
                .hasMessageContaining("'huge'");
    }

    @Test
    void rowNotAWholeNumberOfBlocks() throws IOException {
        ModelFormatException e = refused(valid().addRawTensorInfo("q", new long[] {16, 2}, GgmlType.Q4_0.id(), 0).toBytes());
        assertThat(e.field()).isEqualTo("q");
        assertThat(e).hasMessageContaining("not a whole number of Q4_0 blocks of 32");
    }

    @Test
    void misalignedOffset() throws IOException {
        assertThat(refused(valid().addRawTensorInfo("m", new long[] {1}, F32, 4).toBytes()))
                .hasMessageContaining("'m'").hasMessageContaining("not a multiple of the alignment 32");
    }

    @Test
    void duplicateTensorName() throws IOException {
        ModelFormatException e = refused(valid().addF32Tensor("t", new float[8], 8).toBytes());
        assertThat(e.field()).isEqualTo("t");
        assertThat(e).hasMessageContaining("duplicate tensor name");
    }

    @Test
    void tensorInfosWithoutDataSection() throws IOException {
        byte[] bytes = new GgufWriter().addRawTensorInfo("t", new long[] {1}, F32, 0).toBytes();
        refused(bytes);
    }

    @Test
    void unexpectedFailuresInsideTheParserBecomeModelFormatExceptions() {
        // A segment of a closed arena fails on every access with IllegalStateException, which no
        // explicit check anticipates: the parser's last-resort guard must still name the file.
        Arena arena = Arena.ofConfined();
        MemorySegment segment = arena.allocate(64);
        arena.close();
        Throwable t = catchThrowable(() -> GgufFile.parse(Path.of("guard.gguf"), segment));
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining("guard.gguf")
                .hasMessageContaining("internal parse error").hasCauseInstanceOf(IllegalStateException.class);
    }
}
