package dev.kvasir.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x lane by lane, the same bits whoever runs it. {@code lanewise(VectorOperators.EXP)} is
 * computed by a vector math library once C2 has compiled the caller and by a per-lane
 * {@code Math.exp} before that: the two differ in the last bit, so softmax rows and SiLU gates
 * (and with them a greedy choice between two near-equal logits) depended on when the JIT
 * reached a kernel. This one uses multiplies, fused multiply-adds and bit operations only,
 * which are exact in the interpreter and in compiled code alike. It removes one source of
 * JIT-dependent bits, not every one (the Vector API leaves the order of a float
 * {@code reduceLanes(ADD)} unspecified, for one): a cold JVM's first passes can still differ
 * from warm ones in the last bits (seen in the server's {@code PrefixReuseTest}, which warms up
 * for that reason; the operation responsible was not pinned down).
 *
 * <p>Cephes' {@code expf}: x = n ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 split in two constants so
 * n ln 2 is exact), e^r by a degree-7 polynomial (relative error about 1 ulp), times 2^n built in
 * the exponent bits. Inputs are clamped to [-87.34, 88]: below, the result is 0 (e^-∞ = 0 as
 * softmax needs); above, e^88 (the callers only pass x ≤ 0 to softmax and e^-g to SiLU, where
 * g / (1 + e^88) is 0 to float precision).
 */
final class VectorExp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5 · 2^23: adding and subtracting it rounds a float below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float MIN = -87.33654475f;
    private static final float MAX = 88f;

    private VectorExp() {}

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.compare(VectorOperators.LT, MIN);
        FloatVector c = x.max(MIN).min(MAX);
        FloatVector n = c.mul(LOG2E).add(ROUND).sub(ROUND);
        FloatVector r = n.fma(x.broadcast(-LN2_HI), c);
        r = n.fma(x.broadcast(-LN2_LO), r);
        FloatVector y = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        y = y.fma(r, x.broadcast(8.3334519073e-3f));
        y = y.fma(r, x.broadcast(4.1665795894e-2f));
        y = y.fma(r, x.broadcast(1.6666665459e-1f));
        y = y.fma(r, x.broadcast(5.0000001201e-1f));
        y = y.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector pow2n = (FloatVector) bits.reinterpretAsFloats();
        return y.mul(pow2n).blend(0f, underflow);
    }
}
