package dev.kvasir.core.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.kvasir.core.gguf.GgmlType;

/**
 * Independent ground truth: the vectors in {@code quant-vectors/*.bin} were dequantized by the
 * gguf Python package (tools/kernels/make_quant_vectors.py), not by Kvasir. ScalarReference and
 * the vector kernels must reproduce its floats bit for bit; products must agree with its
 * float64 dot products within {@link KernelTestSupport#bound}.
 */
class QuantVectorsTest {

    record Vectors(GgmlType type, int rows, int cols, byte[] data, float[] deq, float[] x, double[] dot) {}

    static Vectors load(GgmlType type) throws IOException {
        String name = "/quant-vectors/" + type.name() + ".bin";
        byte[] all;
        try (InputStream in = QuantVectorsTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name + " (tools/kernels/make_quant_vectors.py)");
            all = in.readAllBytes();
        }
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        bb.get(magic);
        assertThat(new String(magic, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("KVQV");
        assertThat(bb.getInt()).as("version").isEqualTo(1);
        assertThat(GgmlType.fromId(bb.getInt())).isEqualTo(type);
        int rows = bb.getInt(), cols = bb.getInt(), n = bb.getInt();
        byte[] data = new byte[n];
        bb.get(data);
        float[] deq = new float[rows * cols];
        bb.asFloatBuffer().get(deq);
        bb.position(bb.position() + 4 * deq.length);
        float[] x = new float[cols];
        bb.asFloatBuffer().get(x);
        bb.position(bb.position() + 4 * cols);
        double[] dot = new double[rows];
        bb.asDoubleBuffer().get(dot);
        bb.position(bb.position() + 8 * rows);
        assertThat(bb.remaining()).isZero();
        return new Vectors(type, rows, cols, data, deq, x, dot);
    }

    static void assertBits(String what, float[] got, int gotOff, float[] want, int wantOff, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.floatToIntBits(got[gotOff + i]) != Float.floatToIntBits(want[wantOff + i])) {
                fail("%s: element %d is %s, gguf-py says %s", what, i, got[gotOff + i], want[wantOff + i]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void scalarReferenceReproducesGgufPy(GgmlType type) throws IOException {
        Vectors v = load(type);
        float[] ref = ScalarReference.dequantize(type, v.data, 0, v.rows * v.cols);
        assertBits(type + " ScalarReference", ref, 0, v.deq, 0, ref.length);
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    void vectorKernelsReproduceGgufPy(GgmlType type) throws IOException {
        Vectors v = load(type);
        WeightMatrix m = WeightMatrices.of(type, KernelTestSupport.nativeCopy(v.data), v.rows, v.cols);
        int bs = Math.min(v.cols, type.blockSize() == 1 ? 32 : type.blockSize());
        float[] row = new float[v.cols];
        for (int r = 0; r < v.rows; r++) {
            m.dequantizeRow(r, row, 0);
            assertBits(type + " dequantizeRow " + r, row, 0, v.deq, r * v.cols, v.cols);
            double tol = KernelTestSupport.bound(v.deq, r * v.cols, v.x, 0, v.cols, bs);
            assertThat((double) m.dot(r, v.x, 0)).as("%s dot row %d", type, r)
                    .isCloseTo(v.dot[r], org.assertj.core.data.Offset.offset(tol));
        }
        float[] out = new float[v.rows];
        m.matvec(v.x, 0, out, 0, 0, v.rows);
        // a batch of copies of x, large enough for the tiled kernel: every token must equal the dot
        int batch = 2 * FloatGemm.MIN_BATCH + 1;
        float[] xs = new float[batch * v.cols];
        for (int b = 0; b < batch; b++) System.arraycopy(v.x, 0, xs, b * v.cols, v.cols);
        float[] outs = new float[batch * v.rows];
        m.matmul(xs, batch, outs, v.rows, 0, v.rows);
        for (int r = 0; r < v.rows; r++) {
            double tol = KernelTestSupport.bound(v.deq, r * v.cols, v.x, 0, v.cols, bs);
            double matvecTol = KernelTestSupport.matvecBound(m, v.deq, r * v.cols, v.x, 0, v.cols, bs);
            assertThat((double) out[r]).as("%s matvec row %d", type, r).isCloseTo(v.dot[r], org.assertj.core.data.Offset.offset(matvecTol));
            for (int b = 0; b < batch; b++) {
                assertThat((double) outs[b * v.rows + r]).as("%s matmul token %d row %d", type, b, r)
                        .isCloseTo(v.dot[r], org.assertj.core.data.Offset.offset(tol));
            }
        }
        assertThat(Arrays.copyOf(out, 0)).isEmpty();
    }
}
