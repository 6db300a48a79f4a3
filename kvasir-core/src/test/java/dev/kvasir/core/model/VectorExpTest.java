package dev.kvasir.core.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link VectorExp}: within 2 ulp of e^x over the range softmax and SiLU use, 0 below it, and the same bits in every lane. */
class VectorExpTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static float[] exp(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += S.length()) VectorExp.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        return out;
    }

    @Test
    void agreesWithMathExpWithinTwoUlps() {
        int n = S.length() * 4096;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1); // -87 .. 88
        float[] e = exp(x);
        for (int i = 0; i < n; i++) {
            float want = (float) Math.exp(x[i]);
            assertThat(Math.abs(e[i] - want)).as("exp(%s)", x[i]).isLessThanOrEqualTo(2 * Math.ulp(want));
        }
    }

    @Test
    void specialValues() {
        float[] x = new float[S.length()];
        float[] cases = {0f, Float.NEGATIVE_INFINITY, -100f, -87.5f, 1f, -1f, 88f, Float.NaN};
        for (int i = 0; i < x.length; i++) x[i] = cases[i % cases.length];
        float[] e = exp(x);
        for (int i = 0; i < x.length; i++) {
            float v = x[i];
            if (Float.isNaN(v)) assertThat(e[i]).isNaN();
            else if (v < -87.4f) assertThat(e[i]).as("exp(%s)", v).isZero();
            else assertThat(Math.abs(e[i] - (float) Math.exp(v))).as("exp(%s)", v).isLessThanOrEqualTo(2 * Math.ulp((float) Math.exp(v)));
        }
        assertThat(e[0]).isEqualTo(1f);
    }
}
