package dev.kvasir.core.tensor;

import static dev.kvasir.core.tensor.Kernels.FS;
import static dev.kvasir.core.tensor.Kernels.L;

import java.util.Objects;

import jdk.incubator.vector.FloatVector;

/**
 * The batched (prefill) product shared by all weight types.
 *
 * <p>Rows are dequantized {@value #R} at a time into a per-thread float buffer, then multiplied
 * with the batch as an outer-product micro-kernel: the batch is transposed once per call into
 * panels of 2L tokens, {@code panel[k][token]}, and each step of the k loop broadcasts one
 * weight of each of the R rows and FMAs it with 2 vectors of L tokens, into 2R = 16 accumulator
 * registers. Panels keep every index affine in k with a constant stride, so C2 hoists all
 * bounds checks out of the loop.
 *
 * <p>Vectorising over tokens rather than over k means no horizontal reduction per output (with
 * C2 a float {@code reduceLanes} is a strictly ordered chain of ~30 instructions, which would
 * cost as much as the FMAs for short rows), and every loaded value feeds several FMAs: per k,
 * 2 vector loads and R broadcasts feed 2R FMAs. The tile alone runs at ~220 GFLOP/s on one
 * Zen 5 core (the FMA limit); dequantization, packing and stores bring a whole matmul to
 * ~160-200.
 */
final class FloatGemm {
    private FloatGemm() {}

    /** Rows per tile. With 2 token vectors: 16 accumulators + 2 x vectors + 1 broadcast, of 32 registers. */
    static final int R = 8;
    /** Below this batch the fused per-token matvec is faster than decode-once plus a mostly empty token tile. */
    static final int MIN_BATCH = 4;

    /** Per-thread buffers, grown on demand and then reused: nothing is allocated per call once warm. */
    static final class Scratch {
        /** R dequantized rows. */
        private float[] w = new float[0];
        /** The packed batch. */
        private float[] xT = new float[0];
        /** Per-call precomputation of x (block sums). */
        private float[] aux = new float[0];
        /** F16 rows in flight. */
        private short[] halves = new short[0];
        private float[] floats = new float[0];
        /** The activation vector quantized for the integer decode kernels. */
        final Q8Vector q8 = new Q8Vector();
        final float[] tile = new float[R * 2 * L];
        final int[] index = new int[L];

        float[] w(int n) {
            if (w.length < n) w = new float[n];
            return w;
        }

        float[] xT(int n) {
            if (xT.length < n) xT = new float[n];
            return xT;
        }

        float[] aux(int n) {
            if (aux.length < n) aux = new float[n];
            return aux;
        }

        short[] halves(int n) {
            if (halves.length < n) halves = new short[n];
            return halves;
        }

        float[] floats(int n) {
            if (floats.length < n) floats = new float[n];
            return floats;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    static Scratch scratch() {
        return SCRATCH.get();
    }

    static void checkMatmul(WeightMatrix m, float[] xs, int batch, float[] out, int outStride, int rowFrom, int rowTo) {
        if (batch < 0) throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        Objects.checkFromToIndex(rowFrom, rowTo, m.rows());
        if (batch == 0 || rowFrom == rowTo) return;
        if (outStride < rowTo) throw new IllegalArgumentException("outStride " + outStride + " < rowTo " + rowTo);
        if ((long) batch * m.cols() > xs.length) {
            throw new IndexOutOfBoundsException("xs has " + xs.length + " floats, batch " + batch + " x cols " + m.cols() + " needed");
        }
        if ((long) (batch - 1) * outStride + rowTo > out.length) {
            throw new IndexOutOfBoundsException("out has " + out.length + " floats, (batch-1)*outStride + rowTo = "
                    + ((long) (batch - 1) * outStride + rowTo) + " needed");
        }
    }

    static void matmul(BlockMatrix m, float[] xs, int batch, float[] out, int outStride, int rowFrom, int rowTo) {
        checkMatmul(m, xs, batch, out, outStride, rowFrom, rowTo);
        if (batch == 0 || rowFrom == rowTo) return;
        int cols = m.cols;
        if (batch < MIN_BATCH) {
            for (int b = 0; b < batch; b++) m.matvec(xs, b * cols, out, b * outStride + rowFrom, rowFrom, rowTo);
            return;
        }
        Scratch s = scratch();
        int panels = (batch + 2 * L - 1) / (2 * L);
        float[] xT = s.xT(panels * 2 * L * cols);
        pack(xs, batch, cols, xT, s.index);
        float[] w = s.w(R * cols);
        float[] tile = s.tile;
        for (int r0 = rowFrom; r0 < rowTo; r0 += R) {
            int nr = Math.min(R, rowTo - r0);
            // rows past nr keep stale (finite or not) values: their results are computed but never stored
            for (int i = 0; i < nr; i++) m.dequantizeRow(r0 + i, w, i * cols);
            for (int p = 0; p < panels; p++) {
                int t0 = p * 2 * L;
                int base = p * 2 * L * cols;
                if (batch - t0 > L) {
                    tile8x2(w, cols, xT, base, tile);
                    store(tile, 2, t0, batch, nr, out, outStride, r0);
                } else {
                    // at most L tokens left: half a panel
                    tile8x1(w, cols, xT, base, tile);
                    store(tile, 1, t0, batch, nr, out, outStride, r0);
                }
            }
        }
    }

    /**
     * Packs the batch into panels of W = 2L tokens: token t = p*W + j, element k goes to
     * {@code xT[p*W*cols + k*W' + j]} where W' = W, or L for a last panel of at most L tokens.
     * Padding tokens are zero.
     */
    static void pack(float[] xs, int batch, int cols, float[] xT, int[] index) {
        for (int j = 0; j < L; j++) index[j] = j * cols;
        int w = 2 * L;
        int t0 = 0;
        // full panels: a gather of L tokens' element k per vector (vgatherdps), no scalar loop
        // (the scalar transpose's strided index defeats C2's bounds-check elimination)
        for (; t0 + w <= batch; t0 += w) {
            int base = t0 * cols;
            for (int k = 0; k < cols; k++) {
                FloatVector.fromArray(FS, xs, base + k, index, 0).intoArray(xT, base + k * w);
                FloatVector.fromArray(FS, xs, base + L * cols + k, index, 0).intoArray(xT, base + k * w + L);
            }
        }
        if (t0 < batch) {
            int width = batch - t0 > L ? w : L;
            int base = t0 * cols;
            int tn = batch - t0;
            for (int k = 0; k < cols; k++) {
                int dst = base + k * width;
                for (int j = 0; j < tn; j++) xT[dst + j] = xs[base + k + j * cols];
                for (int j = tn; j < width; j++) xT[dst + j] = 0f;
            }
        }
    }

    /** tile holds acc[r][v] as L floats at ((r*V)+v)*L; writes the valid rows and tokens to out. */
    private static void store(float[] tile, int vecs, int t0, int batch, int nr, float[] out, int outStride, int r0) {
        int tn = Math.min(vecs * L, batch - t0);
        for (int r = 0; r < nr; r++) {
            int base = r * vecs * L;
            int o = t0 * outStride + r0 + r;
            for (int t = 0; t < tn; t++) out[o + t * outStride] = tile[base + t];
        }
    }

    /** 8 rows x 2L tokens of the panel at {@code base}. */
    private static void tile8x2(float[] w, int cols, float[] xT, int base, float[] tile) {
        FloatVector a00 = FloatVector.zero(FS), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
                a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00,
                a70 = a00, a71 = a00;
        int c1 = cols, c2 = 2 * cols, c3 = 3 * cols, c4 = 4 * cols, c5 = 5 * cols, c6 = 6 * cols, c7 = 7 * cols;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(FS, xT, base + 2 * L * k);
            FloatVector x1 = FloatVector.fromArray(FS, xT, base + 2 * L * k + L);
            FloatVector b = FloatVector.broadcast(FS, w[k]);
            a00 = b.fma(x0, a00);
            a01 = b.fma(x1, a01);
            b = FloatVector.broadcast(FS, w[c1 + k]);
            a10 = b.fma(x0, a10);
            a11 = b.fma(x1, a11);
            b = FloatVector.broadcast(FS, w[c2 + k]);
            a20 = b.fma(x0, a20);
            a21 = b.fma(x1, a21);
            b = FloatVector.broadcast(FS, w[c3 + k]);
            a30 = b.fma(x0, a30);
            a31 = b.fma(x1, a31);
            b = FloatVector.broadcast(FS, w[c4 + k]);
            a40 = b.fma(x0, a40);
            a41 = b.fma(x1, a41);
            b = FloatVector.broadcast(FS, w[c5 + k]);
            a50 = b.fma(x0, a50);
            a51 = b.fma(x1, a51);
            b = FloatVector.broadcast(FS, w[c6 + k]);
            a60 = b.fma(x0, a60);
            a61 = b.fma(x1, a61);
            b = FloatVector.broadcast(FS, w[c7 + k]);
            a70 = b.fma(x0, a70);
            a71 = b.fma(x1, a71);
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, L);
        a10.intoArray(tile, 2 * L);
        a11.intoArray(tile, 3 * L);
        a20.intoArray(tile, 4 * L);
        a21.intoArray(tile, 5 * L);
        a30.intoArray(tile, 6 * L);
        a31.intoArray(tile, 7 * L);
        a40.intoArray(tile, 8 * L);
        a41.intoArray(tile, 9 * L);
        a50.intoArray(tile, 10 * L);
        a51.intoArray(tile, 11 * L);
        a60.intoArray(tile, 12 * L);
        a61.intoArray(tile, 13 * L);
        a70.intoArray(tile, 14 * L);
        a71.intoArray(tile, 15 * L);
    }

    /** 8 rows x L tokens of a half panel at {@code base}. */
    private static void tile8x1(float[] w, int cols, float[] xT, int base, float[] tile) {
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int c1 = cols, c2 = 2 * cols, c3 = 3 * cols, c4 = 4 * cols, c5 = 5 * cols, c6 = 6 * cols, c7 = 7 * cols;
        for (int k = 0; k < cols; k++) {
            FloatVector x0 = FloatVector.fromArray(FS, xT, base + L * k);
            a0 = FloatVector.broadcast(FS, w[k]).fma(x0, a0);
            a1 = FloatVector.broadcast(FS, w[c1 + k]).fma(x0, a1);
            a2 = FloatVector.broadcast(FS, w[c2 + k]).fma(x0, a2);
            a3 = FloatVector.broadcast(FS, w[c3 + k]).fma(x0, a3);
            a4 = FloatVector.broadcast(FS, w[c4 + k]).fma(x0, a4);
            a5 = FloatVector.broadcast(FS, w[c5 + k]).fma(x0, a5);
            a6 = FloatVector.broadcast(FS, w[c6 + k]).fma(x0, a6);
            a7 = FloatVector.broadcast(FS, w[c7 + k]).fma(x0, a7);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, L);
        a2.intoArray(tile, 2 * L);
        a3.intoArray(tile, 3 * L);
        a4.intoArray(tile, 4 * L);
        a5.intoArray(tile, 5 * L);
        a6.intoArray(tile, 6 * L);
        a7.intoArray(tile, 7 * L);
    }
}
