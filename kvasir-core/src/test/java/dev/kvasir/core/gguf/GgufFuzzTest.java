package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.kvasir.core.gguf.GgufWriter.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes the GGUF parser in memory: whatever the bytes, parsing either succeeds with every tensor
 * extent inside the data, or throws a ModelFormatException naming the file. Bounded to a few
 * seconds so it runs in CI.
 */
class GgufFuzzTest {
    private static final Path NAME = Path.of("fuzz.gguf");
    private static final byte[] SEED = seedFile();

    /** A small file exercising every structure: scalar, string, array and nested-array values, several tensor types. */
    private static byte[] seedFile() {
        byte[] nested = array(TYPE_ARRAY, 2, GgufMetadataTest.concat(
                array(TYPE_UINT8, 2, new byte[] {1, 2}), array(TYPE_STRING, 1, string("ab"))));
        return new GgufWriter().alignment(16)
                .putString("general.architecture", "llama")
                .putUInt32("llama.block_count", 2)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putBool("flag", true)
                .putUInt64("big", 1L << 40)
                .putStringArray("tokenizer.ggml.tokens", "<s>", "</s>", "a")
                .putInt32Array("tokenizer.ggml.token_type", 1, 3, 1)
                .putRaw("nested", TYPE_ARRAY, nested)
                .addF32Tensor("token_embd.weight", new float[8], 4, 2)
                .addTensor("q", GgmlType.Q4_0, new long[] {32}, new byte[18])
                .addTensor("k", GgmlType.Q2_K, new long[] {256}, new byte[GgmlType.Q2_K.typeSize()])
                .addTensor("h", GgmlType.F16, new long[] {2, 2, 1}, new byte[8])
                .toBytes();
    }

    /** Parses the bytes: success must leave every tensor readable; failure must be a ModelFormatException. */
    static boolean parseOrRefuse(byte[] bytes) {
        try (GgufFile g = GgufFile.parse(NAME, MemorySegment.ofArray(bytes))) {
            for (GgufTensorInfo t : g.tensors()) {
                assertThat(t.offset()).isGreaterThanOrEqualTo(g.dataOffset());
                assertThat(t.offset() + t.byteSize()).isLessThanOrEqualTo(bytes.length);
                MemorySegment data = g.tensorData(t);
                if (data.byteSize() > 0) data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                assertThat((long) t.rows() * t.cols()).isEqualTo(t.elements());
            }
            return true;
        } catch (ModelFormatException e) {
            // the catch-all in the parser is only a safety net: every refusal must come from an explicit check
            assertThat(e).hasMessageContaining("fuzz.gguf").hasMessageNotContaining("internal parse error");
            return false;
        }
    }

    @Property(tries = 1000)
    void randomBytesAfterAValidPrefix(@ForAll @IntRange(min = 2, max = 3) int version, @ForAll @Size(max = 600) byte[] rest) {
        byte[] bytes = le(8 + rest.length).putInt(MAGIC).putInt(version).put(rest).array();
        Statistics.collect(parseOrRefuse(bytes) ? "parsed" : "refused");
    }

    @Property(tries = 1000)
    void randomBodyWithSmallCounts(@ForAll @IntRange(max = 3) int tensors, @ForAll @IntRange(max = 3) int kvs,
                                   @ForAll @Size(max = 600) byte[] rest) {
        byte[] bytes = le(24 + rest.length).putInt(MAGIC).putInt(3).putLong(tensors).putLong(kvs).put(rest).array();
        Statistics.collect(parseOrRefuse(bytes) ? "parsed" : "refused");
    }

    @Property(tries = 2000)
    void mutationsOfAValidFile(@ForAll("mutations") List<Mutation> mutations, @ForAll @IntRange(max = 100) int cutPercent) {
        byte[] bytes = SEED.clone();
        for (Mutation m : mutations) m.apply(bytes);
        // keep the whole file most of the time, otherwise cut it somewhere
        int length = cutPercent < 70 ? bytes.length : (int) ((long) bytes.length * (cutPercent - 70) / 30);
        boolean parsed = parseOrRefuse(Arrays.copyOf(bytes, length));
        Statistics.collect(parsed ? "parsed" : "refused");
        // the fuzz is only useful if it produces both outcomes in good numbers
        Statistics.coverage(c -> {
            c.check("parsed").percentage(p -> p > 5);
            c.check("refused").percentage(p -> p > 30);
        });
    }

    @Property(tries = 1)
    void theSeedFileIsValid() {
        assertThat(parseOrRefuse(SEED)).isTrue();
    }

    /** Overwrites bytes at a position: a random byte, or a little-endian 32/64-bit value likely to be a count or length. */
    record Mutation(int position, long value, int width) {
        void apply(byte[] bytes) {
            for (int i = 0; i < width && position + i < bytes.length; i++) bytes[position + i] = (byte) (value >>> (8 * i));
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, SEED.length - 1);
        Arbitrary<Mutation> randomByte = Combinators.combine(position, Arbitraries.integers().between(0, 255))
                .as((p, v) -> new Mutation(p, v, 1));
        Arbitrary<Long> interesting = Arbitraries.of(0L, 1L, 2L, 3L, 4L, 5L, 7L, 8L, 9L, 12L, 13L, 16L, 31L, 32L, 255L,
                0xFFFFL, 0x7FFFFFFFL, 0xFFFFFFFFL, 1L << 32, 1L << 40, Long.MAX_VALUE, -1L, Long.MIN_VALUE);
        Arbitrary<Mutation> word = Combinators.combine(position, interesting, Arbitraries.of(4, 8)).as(Mutation::new);
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(3, randomByte),
                        net.jqwik.api.Tuple.of(2, word))
                .list().ofMinSize(1).ofMaxSize(6);
    }
}
