package dev.kvasir.eval.fidelity;

import dev.kvasir.eval.report.FidelityScores;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** KL divergence, NLL and agreement on distributions small enough to work out by hand. */
class DistributionsTest {
    // p = (1/4, 3/4) as logits (ln 1, ln 3); q = (1/2, 1/2) as logits (0, 0)
    static final float[] P = {0f, (float) Math.log(3)};
    static final float[] Q = {0f, 0f};
    // KL(p ‖ q) = 1/4·ln((1/4)/(1/2)) + 3/4·ln((3/4)/(1/2)) = −0.1732868 + 0.3040988
    static final double KL_P_Q = 0.1308120;

    @Test
    void klOfTwoKnownDistributions() {
        assertThat(Distributions.kl(P, 0, Q, 0, 2)).isCloseTo(KL_P_Q, within(1e-6));
        // KL(q ‖ p) = 1/2·ln((1/2)/(1/4)) + 1/2·ln((1/2)/(3/4)) = 0.3465736 − 0.2027326: KL is not symmetric
        assertThat(Distributions.kl(Q, 0, P, 0, 2)).isCloseTo(0.1438410, within(1e-6));
        assertThat(Distributions.kl(P, 0, P, 0, 2)).isZero();
        // logits are defined up to a constant: shifting one side by 1000 changes nothing and overflows nothing
        float[] shifted = {1000f, 1000f + (float) Math.log(3)};
        assertThat(Distributions.kl(shifted, 0, Q, 0, 2)).isCloseTo(KL_P_Q, within(1e-4));
        assertThat(Distributions.logSumExp(new float[] {0f, 0f, 0f, 0f}, 0, 4)).isCloseTo(Math.log(4), within(1e-12));
    }

    @Test
    void theMeterGivesTheSameKlNllAndAgreementAsTheDefinitions() {
        // one position, vocabulary of 2, the true next token is 1
        FullCacheReference ref = new FullCacheReference(new int[] {1}, 2);
        ref.record(0, P, 0);

        FidelityMeter self = new FidelityMeter(ref);
        self.accept(0, P, 0);
        FidelityScores s = self.scores(1);
        assertThat(s.kl()).isZero();                                       // exactly: the same bits on both sides
        assertThat(s.top1Agreement()).isEqualTo(1.0);
        assertThat(s.nll()).isCloseTo(-Math.log(0.75), within(1e-6));
        assertThat(s.ppl()).isCloseTo(1 / 0.75, within(1e-6));

        FidelityMeter other = new FidelityMeter(ref);
        // q read from an offset inside a larger buffer, as the teacher-forced logits come
        other.accept(0, new float[] {9f, 9f, 0f, 0f}, 2);
        FidelityScores o = other.scores(1);
        assertThat(o.kl()).isCloseTo(KL_P_Q, within(1e-6));
        assertThat(o.nll()).isCloseTo(Math.log(2), within(1e-6));
        assertThat(o.top1Agreement()).isZero();                            // q's argmax is token 0 (first of a tie), p's token 1
    }

    @Test
    void bucketsAverageTheirOwnPositions() {
        // 4 positions: the compared cache agrees on the first two (identical logits) and not on the last two (q)
        FullCacheReference ref = new FullCacheReference(new int[] {1, 1, 1, 1}, 2);
        for (int i = 0; i < 4; i++) ref.record(i, P, 0);
        FidelityMeter m = new FidelityMeter(ref);
        m.accept(0, P, 0);
        m.accept(1, P, 0);
        m.accept(2, Q, 0);
        m.accept(3, Q, 0);
        FidelityScores s = m.scores(2);
        assertThat(s.buckets()).hasSize(2);
        assertThat(s.buckets().get(0).from()).isZero();
        assertThat(s.buckets().get(0).to()).isEqualTo(2);
        assertThat(s.buckets().get(0).kl()).isZero();
        assertThat(s.buckets().get(0).top1Agreement()).isEqualTo(1.0);
        assertThat(s.buckets().get(1).kl()).isCloseTo(KL_P_Q, within(1e-6));
        assertThat(s.buckets().get(1).top1Agreement()).isZero();
        assertThat(s.kl()).isCloseTo(KL_P_Q / 2, within(1e-6));
        assertThat(s.top1Agreement()).isEqualTo(0.5);
        assertThat(s.nll()).isCloseTo((-Math.log(0.75) + Math.log(2)) / 2, within(1e-6));
    }
}
