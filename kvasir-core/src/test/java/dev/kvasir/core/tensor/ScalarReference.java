package dev.kvasir.core.tensor;

import dev.kvasir.core.gguf.GgmlType;

/**
 * Plain scalar dequantization of every supported type, for tests only: a line-by-line
 * transcription of ggml's reference {@code dequantize_row_*} functions (ggml-quants.c) and
 * block structs (ggml-common.h), written independently of the vector kernels. Operations and
 * their order follow the C source, so results are bit-identical to ggml compiled without FMA
 * contraction (and to the gguf Python package).
 */
public final class ScalarReference {
    private ScalarReference() {}

    static final int QK4_0 = 32, QK4_1 = 32, QK5_0 = 32, QK5_1 = 32, QK8_0 = 32, QK_K = 256;

    /** Dequantizes {@code k} elements (a whole number of blocks) starting at byte {@code off}. */
    public static float[] dequantize(GgmlType type, byte[] x, int off, int k) {
        float[] y = new float[k];
        switch (type) {
            case F32 -> {
                for (int i = 0; i < k; i++) y[i] = Float.intBitsToFloat(i32(x, off + 4 * i));
            }
            case F16 -> {
                for (int i = 0; i < k; i++) y[i] = fp16(x, off + 2 * i);
            }
            case BF16 -> {
                // ggml_compute_bf16_to_fp32: the bf16 bits are the upper half of the f32
                for (int i = 0; i < k; i++) y[i] = Float.intBitsToFloat(u16(x, off + 2 * i) << 16);
            }
            case Q4_0 -> dequantizeRowQ4_0(x, off, y, k);
            case Q4_1 -> dequantizeRowQ4_1(x, off, y, k);
            case Q5_0 -> dequantizeRowQ5_0(x, off, y, k);
            case Q5_1 -> dequantizeRowQ5_1(x, off, y, k);
            case Q8_0 -> dequantizeRowQ8_0(x, off, y, k);
            case Q4_K -> dequantizeRowQ4_K(x, off, y, k);
            case Q5_K -> dequantizeRowQ5_K(x, off, y, k);
            case Q6_K -> dequantizeRowQ6_K(x, off, y, k);
            default -> throw new IllegalArgumentException("no reference for " + type);
        }
        return y;
    }

    // ---- little-endian field access (the structs are packed, fields little-endian) ----

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    static int i32(byte[] b, int off) {
        return u16(b, off) | u16(b, off + 2) << 16;
    }

    /** GGML_FP16_TO_FP32 */
    static float fp16(byte[] b, int off) {
        return Float.float16ToFloat((short) u16(b, off));
    }

    // block_q4_0 { ggml_half d; uint8_t qs[QK4_0 / 2]; }
    static void dequantizeRowQ4_0(byte[] x, int off, float[] y, int k) {
        final int qk = QK4_0;
        final int nb = k / qk;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 18;
            final float d = fp16(x, blk);
            for (int j = 0; j < qk / 2; ++j) {
                final int x0 = (u8(x, blk + 2 + j) & 0x0F) - 8;
                final int x1 = (u8(x, blk + 2 + j) >> 4) - 8;
                y[i * qk + j + 0] = x0 * d;
                y[i * qk + j + qk / 2] = x1 * d;
            }
        }
    }

    // block_q4_1 { ggml_half d; ggml_half m; uint8_t qs[QK4_1 / 2]; }
    static void dequantizeRowQ4_1(byte[] x, int off, float[] y, int k) {
        final int qk = QK4_1;
        final int nb = k / qk;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 20;
            final float d = fp16(x, blk);
            final float m = fp16(x, blk + 2);
            for (int j = 0; j < qk / 2; ++j) {
                final int x0 = (u8(x, blk + 4 + j) & 0x0F);
                final int x1 = (u8(x, blk + 4 + j) >> 4);
                y[i * qk + j + 0] = x0 * d + m;
                y[i * qk + j + qk / 2] = x1 * d + m;
            }
        }
    }

    // block_q5_0 { ggml_half d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; }
    static void dequantizeRowQ5_0(byte[] x, int off, float[] y, int k) {
        final int qk = QK5_0;
        final int nb = k / qk;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 22;
            final float d = fp16(x, blk);
            int qh = i32(x, blk + 2); // memcpy(&qh, x[i].qh, sizeof(qh))
            for (int j = 0; j < qk / 2; ++j) {
                final int xh_0 = ((qh >>> (j + 0)) << 4) & 0x10;
                final int xh_1 = ((qh >>> (j + 12))) & 0x10;
                final int x0 = ((u8(x, blk + 6 + j) & 0x0F) | xh_0) - 16;
                final int x1 = ((u8(x, blk + 6 + j) >> 4) | xh_1) - 16;
                y[i * qk + j + 0] = x0 * d;
                y[i * qk + j + qk / 2] = x1 * d;
            }
        }
    }

    // block_q5_1 { ggml_half d; ggml_half m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; }
    static void dequantizeRowQ5_1(byte[] x, int off, float[] y, int k) {
        final int qk = QK5_1;
        final int nb = k / qk;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 24;
            final float d = fp16(x, blk);
            final float m = fp16(x, blk + 2);
            int qh = i32(x, blk + 4);
            for (int j = 0; j < qk / 2; ++j) {
                final int xh_0 = ((qh >>> (j + 0)) << 4) & 0x10;
                final int xh_1 = ((qh >>> (j + 12))) & 0x10;
                final int x0 = (u8(x, blk + 8 + j) & 0x0F) | xh_0;
                final int x1 = (u8(x, blk + 8 + j) >> 4) | xh_1;
                y[i * qk + j + 0] = x0 * d + m;
                y[i * qk + j + qk / 2] = x1 * d + m;
            }
        }
    }

    // block_q8_0 { ggml_half d; int8_t qs[QK8_0]; }
    static void dequantizeRowQ8_0(byte[] x, int off, float[] y, int k) {
        final int qk = QK8_0;
        final int nb = k / qk;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 34;
            final float d = fp16(x, blk);
            for (int j = 0; j < qk; ++j) {
                y[i * qk + j] = x[blk + 2 + j] * d; // int8_t
            }
        }
    }

    /** get_scale_min_k4: returns {d, m}. */
    static int[] getScaleMinK4(int j, byte[] q, int qoff) {
        int d, m;
        if (j < 4) {
            d = u8(q, qoff + j) & 63;
            m = u8(q, qoff + j + 4) & 63;
        } else {
            d = (u8(q, qoff + j + 4) & 0xF) | ((u8(q, qoff + j - 4) >> 6) << 4);
            m = (u8(q, qoff + j + 4) >> 4) | ((u8(q, qoff + j - 0) >> 6) << 4);
        }
        return new int[] {d, m};
    }

    // block_q4_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qs[QK_K/2]; }
    static void dequantizeRowQ4_K(byte[] x, int off, float[] y, int k) {
        final int nb = k / QK_K;
        int yi = 0;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 144;
            int q = blk + 16;
            final float d = fp16(x, blk);
            final float min = fp16(x, blk + 2);
            int is = 0;
            for (int j = 0; j < QK_K; j += 64) {
                int[] sm = getScaleMinK4(is + 0, x, blk + 4);
                final float d1 = d * sm[0];
                final float m1 = min * sm[1];
                sm = getScaleMinK4(is + 1, x, blk + 4);
                final float d2 = d * sm[0];
                final float m2 = min * sm[1];
                for (int l = 0; l < 32; ++l) y[yi++] = d1 * (u8(x, q + l) & 0xF) - m1;
                for (int l = 0; l < 32; ++l) y[yi++] = d2 * (u8(x, q + l) >> 4) - m2;
                q += 32;
                is += 2;
            }
        }
    }

    // block_q5_K { ggml_half d; ggml_half dmin; uint8_t scales[12]; uint8_t qh[QK_K/8]; uint8_t qs[QK_K/2]; }
    static void dequantizeRowQ5_K(byte[] x, int off, float[] y, int k) {
        final int nb = k / QK_K;
        int yi = 0;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 176;
            int ql = blk + 48;
            int qh = blk + 16;
            final float d = fp16(x, blk);
            final float min = fp16(x, blk + 2);
            int is = 0;
            int u1 = 1, u2 = 2;
            for (int j = 0; j < QK_K; j += 64) {
                int[] sm = getScaleMinK4(is + 0, x, blk + 4);
                final float d1 = d * sm[0];
                final float m1 = min * sm[1];
                sm = getScaleMinK4(is + 1, x, blk + 4);
                final float d2 = d * sm[0];
                final float m2 = min * sm[1];
                for (int l = 0; l < 32; ++l) y[yi++] = d1 * ((u8(x, ql + l) & 0xF) + ((u8(x, qh + l) & u1) != 0 ? 16 : 0)) - m1;
                for (int l = 0; l < 32; ++l) y[yi++] = d2 * ((u8(x, ql + l) >> 4) + ((u8(x, qh + l) & u2) != 0 ? 16 : 0)) - m2;
                ql += 32;
                is += 2;
                u1 <<= 2;
                u2 <<= 2;
            }
        }
    }

    // block_q6_K { uint8_t ql[QK_K/2]; uint8_t qh[QK_K/4]; int8_t scales[QK_K/16]; ggml_half d; }
    static void dequantizeRowQ6_K(byte[] x, int off, float[] y, int k) {
        final int nb = k / QK_K;
        int yo = 0;
        for (int i = 0; i < nb; i++) {
            int blk = off + i * 210;
            final float d = fp16(x, blk + 208);
            int ql = blk;
            int qh = blk + 128;
            int sc = blk + 192;
            for (int n = 0; n < QK_K; n += 128) {
                for (int l = 0; l < 32; ++l) {
                    int is = l / 16;
                    final int q1 = (byte) ((u8(x, ql + l + 0) & 0xF) | (((u8(x, qh + l) >> 0) & 3) << 4)) - 32;
                    final int q2 = (byte) ((u8(x, ql + l + 32) & 0xF) | (((u8(x, qh + l) >> 2) & 3) << 4)) - 32;
                    final int q3 = (byte) ((u8(x, ql + l + 0) >> 4) | (((u8(x, qh + l) >> 4) & 3) << 4)) - 32;
                    final int q4 = (byte) ((u8(x, ql + l + 32) >> 4) | (((u8(x, qh + l) >> 6) & 3) << 4)) - 32;
                    y[yo + l + 0] = d * x[sc + is + 0] * q1;
                    y[yo + l + 32] = d * x[sc + is + 2] * q2;
                    y[yo + l + 64] = d * x[sc + is + 4] * q3;
                    y[yo + l + 96] = d * x[sc + is + 6] * q4;
                }
                yo += 128;
                ql += 64;
                qh += 32;
                sc += 8;
            }
        }
    }
}
