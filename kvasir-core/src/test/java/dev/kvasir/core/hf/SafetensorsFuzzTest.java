package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Mutates a small valid safetensors file in memory: parsing succeeds with readable tensors, or is refused cleanly. */
class SafetensorsFuzzTest {
    private static final Path NAME = Path.of("fuzz.safetensors");
    private static final byte[] SEED = new SafetensorsWriter()
            .metadata("format", "pt")
            .addF32("a", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
            .add("b", "BF16", new long[] {4}, new byte[8])
            .add("c", "I64", new long[] {1}, new byte[8])
            .add("s", "F16", new long[0], new byte[2])
            .toBytes();
    /** Characters a JSON mutation is most likely to do damage with. */
    private static final byte[] JSON_CHARS = "{}[]\":,-0123456789e.ntfu\\ ".getBytes(StandardCharsets.US_ASCII);

    record Mutation(int position, byte value) {}

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> position = Arbitraries.integers().between(0, SEED.length - 1);
        Arbitrary<Byte> value = Arbitraries.oneOf(Arbitraries.bytes(), of(JSON_CHARS.length).map(i -> JSON_CHARS[i]));
        return Combinators.combine(position, value).as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    private static Arbitrary<Integer> of(int n) {
        return Arbitraries.integers().between(0, n - 1);
    }

    @Property(tries = 1500)
    void mutationsOfAValidFile(@ForAll("mutations") List<Mutation> mutations, @ForAll @IntRange(max = 100) int cutPercent) {
        byte[] bytes = SEED.clone();
        for (Mutation m : mutations) bytes[m.position()] = m.value();
        int length = cutPercent < 80 ? bytes.length : (int) ((long) bytes.length * (cutPercent - 80) / 20);
        boolean parsed;
        try (SafetensorsFile st = SafetensorsFile.parse(NAME, MemorySegment.ofArray(Arrays.copyOf(bytes, length)))) {
            for (SafetensorsTensor t : st.tensors()) {
                MemorySegment data = st.data(t);
                if (data.byteSize() > 0) data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                assertThat((long) t.rows() * t.cols()).isEqualTo(t.elements());
            }
            parsed = true;
        } catch (ModelFormatException e) {
            assertThat(e).hasMessageContaining("fuzz.safetensors").hasMessageNotContaining("internal parse error");
            parsed = false;
        }
        Statistics.collect(parsed ? "parsed" : "refused");
    }
}
