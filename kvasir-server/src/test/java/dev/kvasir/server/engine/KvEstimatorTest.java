package dev.kvasir.server.engine;

import dev.kvasir.core.press.Budget;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvEstimatorTest {
    @Test
    void fullCacheHoldsPromptPlusGeneratedTokens() {
        assertThat(KvEstimator.peakTokens(100, 50, CompressionSpec.NONE)).isEqualTo(150);
    }

    @Test
    void compressedCachePeaksAtTheLargerOfPrefillAndKeptPlusGenerated() {
        CompressionSpec snap = CompressionSpec.of("snapkv", Budget.fraction(0.25), Map.of());
        assertThat(KvEstimator.peakTokens(1000, 50, snap)).isEqualTo(1000); // prefill holds the whole prompt
        assertThat(KvEstimator.peakTokens(1000, 900, snap)).isEqualTo(250 + 900);
        CompressionSpec tokens = CompressionSpec.of("snapkv", Budget.tokensPerHead(2000), Map.of());
        assertThat(KvEstimator.peakTokens(1000, 10, tokens)).isEqualTo(1010); // a budget above the prompt keeps it all
    }

    @Test
    void specsValidateThroughThePressRegistry() {
        assertThatThrownBy(() -> CompressionSpec.of("zip", Budget.fraction(0.5), Map.of())).hasMessageContaining("unknown press 'zip'");
        assertThatThrownBy(() -> CompressionSpec.of("snapkv", null, Map.of())).hasMessageContaining("needs a budget");
        assertThatThrownBy(() -> CompressionSpec.of("none", Budget.fraction(0.5), Map.of())).hasMessageContaining("other than 'none'");
        assertThat(CompressionSpec.of(" NONE ", null, null)).isSameAs(CompressionSpec.NONE);
        assertThat(CompressionSpec.of("SnapKV", Budget.fraction(0.5), Map.of("window", "8")).key())
                .isEqualTo(CompressionSpec.of("snapkv", Budget.fraction(0.5), Map.of("window", "8")).key());
    }
}
