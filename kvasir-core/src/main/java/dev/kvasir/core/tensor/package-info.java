/**
 * Weight matrices and their kernels.
 *
 * <p>{@link dev.kvasir.core.tensor.WeightMatrices#of} wraps a little-endian segment of ggml
 * block data (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K) in place as a
 * {@link dev.kvasir.core.tensor.WeightMatrix}. One class per type implements the fused decode
 * kernels ({@code dot}, {@code matvec}: dequantize a block in registers and FMA with x) and
 * {@code dequantizeRow}, which is bit-identical to ggml's reference dequantization. The batched
 * product of every type goes through {@code FloatGemm}: rows are dequantized once into a
 * per-thread buffer and multiplied with the batch by an 8-row × 2-vector outer-product tile.
 *
 * <p>Rules the kernels follow, each learnt from C2's output (see the class comments):
 * addresses affine in an int loop counter (bounds checks hoisted); no helper that loads and
 * returns a vector (a separately compiled one may be refused for inlining, and then every
 * vector is boxed); loop bodies small enough for C2's inlining node budget (at most two rows or
 * one K-quant sub-block per iteration); conversions from bytes with a constant part (one L-byte
 * load per part). {@code KernelBench} in the tests reports any allocation per call, which is
 * how a broken rule shows.
 *
 * <p>Decode streams every weight from memory once per token, and Java has no prefetch
 * instruction: the Q8_0 and Q4_1 matvec kernels read one byte per iteration about 1 KiB
 * ahead of the rows they multiply ({@code BlockMatrix.touchStart}), so that the lines are on
 * their way before the kernel needs them (1.6-1.8x on matrices larger than the caches,
 * {@code -Dbench.sections=stream}); see {@code BlockMatrix.TOUCH_DISTANCE} for the measurements
 * and why the other types do not.
 */
package dev.kvasir.core.tensor;
