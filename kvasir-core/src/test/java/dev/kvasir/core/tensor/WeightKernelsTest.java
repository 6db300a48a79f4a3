package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.KernelTestSupport.bound;
import static dev.kvasir.core.tensor.KernelTestSupport.dotRef;
import static dev.kvasir.core.tensor.KernelTestSupport.matvecBound;
import static dev.kvasir.core.tensor.KernelTestSupport.nativeCopy;
import static dev.kvasir.core.tensor.KernelTestSupport.randomData;
import static dev.kvasir.core.tensor.KernelTestSupport.randomVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.kvasir.core.gguf.GgmlType;

/**
 * The vector kernels of every type against {@link ScalarReference} on random block data:
 * dequantization must be bit-identical, products within {@link KernelTestSupport#bound}.
 */
class WeightKernelsTest {

    /** Shapes per type: an odd block count (tail of the 2-block unroll), the model's 576, odd row counts. */
    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (GgmlType t : KernelTestSupport.TYPES) {
            int bs = t.blockSize();
            if (bs == 1) {
                b.add(Arguments.of(t, 37, 100));
                b.add(Arguments.of(t, 9, 576));
                b.add(Arguments.of(t, 5, 7));
            } else if (bs == 32) {
                b.add(Arguments.of(t, 37, 96));
                b.add(Arguments.of(t, 21, 576));
                b.add(Arguments.of(t, 3, 32));
            } else {
                b.add(Arguments.of(t, 19, 768));
                b.add(Arguments.of(t, 4, 256));
            }
        }
        return b.build();
    }

    record Fixture(GgmlType type, int rows, int cols, WeightMatrix m, float[] ref) {}

    static Fixture fixture(GgmlType type, int rows, int cols, long seed, boolean heap) {
        byte[] bytes = randomData(type, rows, cols, new Random(seed));
        MemorySegment seg = heap ? MemorySegment.ofArray(bytes) : nativeCopy(bytes);
        WeightMatrix m = WeightMatrices.of(type, seg, rows, cols);
        float[] ref = ScalarReference.dequantize(type, bytes, 0, rows * cols);
        return new Fixture(type, rows, cols, m, ref);
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void dequantizeRowIsBitIdenticalToReference(GgmlType type, int rows, int cols) {
        for (boolean heap : new boolean[] {false, true}) {
            Fixture f = fixture(type, rows, cols, 1000 + rows + cols, heap);
            assertThat(f.m.type()).isEqualTo(type);
            assertThat(f.m.rows()).isEqualTo(rows);
            assertThat(f.m.cols()).isEqualTo(cols);
            assertThat(f.m.byteSize()).isEqualTo(type.byteSize((long) rows * cols));
            float[] dst = new float[cols + 7];
            for (int r = 0; r < rows; r++) {
                Arrays.fill(dst, Float.NaN);
                f.m.dequantizeRow(r, dst, 3);
                for (int i = 0; i < cols; i++) {
                    float want = f.ref[r * cols + i];
                    if (Float.floatToIntBits(dst[3 + i]) != Float.floatToIntBits(want)) {
                        fail("%s row %d col %d: got %s, reference %s", type, r, i, dst[3 + i], want);
                    }
                }
                assertThat(dst[2]).isNaN();
                assertThat(dst[3 + cols]).isNaN();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void dotAgreesWithReference(GgmlType type, int rows, int cols) {
        Fixture f = fixture(type, rows, cols, 2000 + rows + cols, false);
        Random rnd = new Random(7);
        float[] x = randomVector(cols + 11, rnd);
        int bs = type.blockSize() == 1 ? 32 : type.blockSize();
        for (int xOff : new int[] {0, 11}) {
            for (int r = 0; r < rows; r++) {
                double want = dotRef(f.ref, r * cols, x, xOff, cols);
                double tol = bound(f.ref, r * cols, x, xOff, cols, Math.min(bs, cols));
                float got = f.m.dot(r, x, xOff);
                assertThat((double) got).as("%s row %d xOff %d", type, r, xOff).isCloseTo(want, org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void matvecAgreesWithReferenceOverRowRanges(GgmlType type, int rows, int cols) {
        Fixture f = fixture(type, rows, cols, 3000 + rows + cols, false);
        float[] x = randomVector(cols + 5, new Random(8));
        int bs = Math.min(cols, type.blockSize() == 1 ? 32 : type.blockSize());
        int[][] ranges = {{0, rows}, {rows / 3, rows - rows / 4}, {rows - 1, rows}, {1, 1}};
        for (int[] rr : ranges) {
            float[] out = new float[rows + 10];
            Arrays.fill(out, Float.NaN);
            f.m.matvec(x, 5, out, 4, rr[0], rr[1]);
            for (int i = 0; i < out.length; i++) {
                int r = i - 4 + rr[0];
                if (i < 4 || r >= rr[1]) {
                    assertThat(out[i]).as("untouched out[%d]", i).isNaN();
                } else {
                    double want = dotRef(f.ref, r * cols, x, 5, cols);
                    assertThat((double) out[i]).as("%s row %d", type, r)
                            .isCloseTo(want, org.assertj.core.data.Offset.offset(matvecBound(f.m, f.ref, r * cols, x, 5, cols, bs)));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("cases")
    void matmulAgreesWithReference(GgmlType type, int rows, int cols) {
        Fixture f = fixture(type, rows, cols, 4000 + rows + cols, false);
        int bs = Math.min(cols, type.blockSize() == 1 ? 32 : type.blockSize());
        Random rnd = new Random(9);
        for (int batch : new int[] {1, 2, 3, 4, 5, 16, 17, 33, 64}) {
            float[] xs = randomVector(batch * cols, rnd);
            int outStride = rows + 3;
            int[][] ranges = {{0, rows}, {rows / 3, rows - rows / 4}, {rows - 1, rows}};
            for (int[] rr : ranges) {
                float[] out = new float[batch * outStride];
                Arrays.fill(out, Float.NaN);
                f.m.matmul(xs, batch, out, outStride, rr[0], rr[1]);
                for (int b = 0; b < batch; b++) {
                    for (int r = 0; r < outStride; r++) {
                        float got = out[b * outStride + r];
                        if (r < rr[0] || r >= rr[1]) {
                            if (!Float.isNaN(got)) fail("%s batch %d: out[%d][%d] written outside the row range", type, batch, b, r);
                            continue;
                        }
                        double want = dotRef(f.ref, r * cols, xs, b * cols, cols);
                        // below FloatGemm.MIN_BATCH the batch runs through matvec
                        double tol = batch < FloatGemm.MIN_BATCH ? matvecBound(f.m, f.ref, r * cols, xs, b * cols, cols, bs)
                                : bound(f.ref, r * cols, xs, b * cols, cols, bs);
                        if (!(Math.abs(got - want) <= tol)) {
                            fail("%s %dx%d batch %d rows [%d,%d): out[%d][%d] = %s, reference %s (tol %s)",
                                    type, rows, cols, batch, rr[0], rr[1], b, r, got, want, tol);
                        }
                    }
                }
            }
        }
    }

    @Test
    void matmulOfEmptyBatchOrRangeWritesNothing() {
        Fixture f = fixture(GgmlType.Q4_1, 8, 64, 1, false);
        float[] out = new float[16];
        Arrays.fill(out, Float.NaN);
        f.m.matmul(new float[0], 0, out, 8, 0, 8);
        f.m.matmul(new float[128], 2, out, 8, 3, 3);
        assertThat(out).containsOnly(Float.NaN);
    }

    @Test
    void matmulRejectsShortArrays() {
        Fixture f = fixture(GgmlType.Q4_1, 8, 64, 2, false);
        assertThatThrownBy(() -> f.m.matmul(new float[64 * 5 - 1], 5, new float[40], 8, 0, 8))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("xs");
        assertThatThrownBy(() -> f.m.matmul(new float[64 * 5], 5, new float[39], 8, 0, 8))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("out");
        assertThatThrownBy(() -> f.m.matmul(new float[64 * 5], 5, new float[40], 8, 0, 9))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> f.m.dot(0, new float[63], 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rejectsColsNotAMultipleOfTheBlockSize() {
        assertThatThrownBy(() -> WeightMatrices.of(GgmlType.Q4_1, MemorySegment.ofArray(new byte[40]), 1, 48))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Q4_1").hasMessageContaining("48").hasMessageContaining("block size 32");
        assertThatThrownBy(() -> WeightMatrices.of(GgmlType.Q6_K, MemorySegment.ofArray(new byte[210]), 1, 128))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block size 256");
    }

    @Test
    void rejectsDataOfTheWrongSize() {
        assertThatThrownBy(() -> WeightMatrices.of(GgmlType.Q8_0, MemorySegment.ofArray(new byte[34 * 3]), 2, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("102 bytes").hasMessageContaining("136");
        assertThatThrownBy(() -> WeightMatrices.of(GgmlType.F32, MemorySegment.ofArray(new byte[17]), 1, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("17 bytes");
        assertThatThrownBy(() -> WeightMatrices.of(GgmlType.F32, MemorySegment.ofArray(new byte[0]), 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cols");
    }

    @Test
    void rejectsUnsupportedTypesByName() {
        for (GgmlType t : GgmlType.values()) {
            if (WeightMatrices.supports(t)) continue;
            assertThatThrownBy(() -> WeightMatrices.of(t, MemorySegment.ofArray(new byte[0]), 0, 256))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(t.name()).hasMessageContaining("unsupported");
        }
        assertThat(Arrays.stream(KernelTestSupport.TYPES).allMatch(WeightMatrices::supports)).isTrue();
    }

    @Test
    void forcedVectorWidthIsHonoured() {
        // lets a wide machine test the AVX2 / NEON code paths: -Dkvasir.vectorBits=256 or 128
        String bits = System.getProperty("kvasir.vectorBits");
        if (bits != null) assertThat(Kernels.L * 32).isEqualTo(Integer.parseInt(bits));
        assertThat(Kernels.L).isBetween(4, 16);
        assertThat(Kernels.PARTS * Kernels.L).isEqualTo(16);
    }

    @Test
    void zeroRowMatrixIsAllowed() {
        WeightMatrix m = WeightMatrices.of(GgmlType.Q4_0, MemorySegment.ofArray(new byte[0]), 0, 32);
        assertThat(m.rows()).isZero();
        m.matvec(new float[32], 0, new float[0], 0, 0, 0);
    }
}
