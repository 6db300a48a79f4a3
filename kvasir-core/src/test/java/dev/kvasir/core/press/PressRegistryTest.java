package dev.kvasir.core.press;

import dev.kvasir.core.kv.KvCache;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kvasir.core.press.PressFixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The registry, option validation, budgets and reports. */
class PressRegistryTest {

    @Test
    void registryListsEveryMethod() {
        assertThat(Presses.names()).containsExactly("full", "streaming-llm", "h2o", "snapkv", "pyramidkv", "adakv", "cam", "tova", "knorm",
                "random", "kvmerger", "dynamickv", "dynamickv-merge");
        for (String n : Presses.names()) assertThat(Presses.create(n).name()).isEqualTo(n);
    }

    @Test
    void unknownNamesAndOptionsAreRejectedWithTheValidOnes() {
        assertThatThrownBy(() -> Presses.create("snapvk", Map.of())).hasMessageContaining("unknown press 'snapvk'")
                .hasMessageContaining("snapkv, pyramidkv");
        assertThatThrownBy(() -> press("snapkv", "windw", "8")).hasMessageContaining("unknown option windw")
                .hasMessageContaining("valid options: window, kernel, pooling, sinks, gqa");
        assertThatThrownBy(() -> press("snapkv", "kernel", "abc")).hasMessageContaining("kernel=abc is not an integer");
        assertThatThrownBy(() -> press("snapkv", "kernel", "4")).hasMessageContaining("must be odd");
        assertThatThrownBy(() -> press("snapkv", "pooling", "median")).hasMessageContaining("is not one of max, avg");
        assertThatThrownBy(() -> press("adakv", "alpha", "2")).hasMessageContaining("alpha=2 is out of range [0, 1]");
        assertThatThrownBy(() -> press("adakv", "scorer", "h2o", "kernel", "5")).hasMessageContaining("unknown option kernel");
        assertThatThrownBy(() -> press("kvmerger", "mass", "true", "value-rule", "paper")).hasMessageContaining("conflicts with mass=true");
        assertThatThrownBy(() -> press("h2o", "decode-max-tokens", "0")).hasMessageContaining("is not auto, off or an integer >= 1");
        assertThatThrownBy(() -> press("dynamickv", "q2", "maybe")).hasMessageContaining("is not one of fixed, faithful");
    }

    @Test
    void labelsNameEveryOptionThatDepartsFromItsDefault() {
        for (String name : Presses.names()) assertThat(Presses.create(name).label()).as(name).isEqualTo(name);
        // values are compared in canonical form: a default written differently is still the default
        assertThat(Presses.parse("snapkv:window=032,pooling=MAX,kernel=7").label()).isEqualTo("snapkv");
        assertThat(Presses.parse("snapkv:kernel=5,window=64").label()).isEqualTo("snapkv:window=64,kernel=5");
        assertThat(Presses.parse("h2o:recent=0.50").label()).isEqualTo("h2o");
        assertThat(Presses.parse("kvmerger:sigma=auto,mass=true").label()).isEqualTo("kvmerger:sigma=auto,mass=true");
        assertThat(Presses.parse("snapkv:min-prompt=0").label()).isEqualTo("snapkv:min-prompt=0");
        assertThat(Presses.parse("snapkv:min-prompt=auto").label()).isEqualTo("snapkv");
    }

    @Test
    void outOfRangeNumbersAreRejectedNamingTheOption() {
        // σ² underflows to 0 below ~1e-154 and the kernel weights become 0/0: NaN keys and logits
        assertThatThrownBy(() -> press("kvmerger", "sigma", "1e-300")).hasMessageContaining("sigma=1e-300").hasMessageContaining("out of range");
        assertThatThrownBy(() -> press("dynamickv-merge", "sigma", "1e-300")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> press("kvmerger", "sigma", "NaN")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> press("kvmerger", "exact", "false", "eps", "1.5")).hasMessageContaining("eps=1.5").hasMessageContaining("[-1, 1]");
        assertThatThrownBy(() -> press("snapkv", "min-prompt", "-1")).hasMessageContaining("min-prompt=-1").hasMessageContaining("out of range");
        assertThatThrownBy(() -> press("snapkv", "min-prompt", "soon")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> press("h2o", "recent", "Infinity")).hasMessageContaining("out of range");
        assertThat(press("kvmerger", "sigma", "1e-6").options()).containsEntry("sigma", "1.0E-6");
    }

    @Test
    void shortPromptsAreLeftWholeAndReportedSkipped() {
        // 2·max(window, 32): SnapKV's 32 → 64; PyramidKV with window=48 → 96; min-prompt overrides
        assertThat(Presses.create("snapkv").minPromptTokens()).isEqualTo(64);
        assertThat(Presses.create("h2o").minPromptTokens()).isEqualTo(64);
        assertThat(Presses.parse("pyramidkv:window=48").minPromptTokens()).isEqualTo(96);
        assertThat(Presses.parse("snapkv:min-prompt=10").minPromptTokens()).isEqualTo(10);
        assertThat(Presses.parse("snapkv:window=2000000000").minPromptTokens()).isEqualTo(Integer.MAX_VALUE);
        KvCache c = plain(2, 1, 2, 63);
        KvCache before = copy(c);
        CompressionReport r = Presses.create("snapkv").compressOrSkip(c, l -> { throw new AssertionError("no statistics needed"); },
                Budget.fraction(0.35));
        assertSameCache(c, before);
        assertThat(r.skipped()).isEqualTo("prompt shorter than 64 tokens");
        assertThat(r.achievedFraction()).isEqualTo(1.0);
        assertThat(r.budgetNote()).contains("skipped: prompt shorter than 64 tokens");
        // at the minimum the press runs
        KvCache longer = plain(2, 1, 2, 64);
        AttentionStats st = windowStats(1, 32, new float[][] {row(64, 1f / 64)});
        CompressionReport ran = Presses.create("snapkv").compressOrSkip(longer, same(st), Budget.fraction(0.5));
        assertThat(ran.skipped()).isNull();
        assertThat(ran.keptSlots()).isEqualTo(64);
        assertThat(ran.budgetNote()).isNull();
    }

    @Test
    void effectiveOptionsIncludeDefaults() {
        assertThat(Presses.create("snapkv").options()).containsExactly(Map.entry("window", "32"), Map.entry("kernel", "7"),
                Map.entry("pooling", "max"), Map.entry("sinks", "0"), Map.entry("gqa", "mean"));
        assertThat(Presses.create("dynamickv").options()).containsEntry("window", "8").containsEntry("pooling", "avg")
                .containsEntry("r-max", "10").containsEntry("m", "4").containsEntry("q2", "fixed").containsEntry("q5", "fixed");
        assertThat(press("kvmerger", "exact", "false").options()).containsEntry("eps", "0.75");
        assertThatThrownBy(() -> press("kvmerger", "exact", "true", "eps", "0.5")).hasMessageContaining("eps").hasMessageContaining("exact=false only");
        assertThat(press("kvmerger", "exact", "true").options()).doesNotContainKey("eps");
        assertThat(Presses.create("kvmerger").options()).containsEntry("eps", "0.75").containsEntry("sigma", "5")
                .containsEntry("value-rule", "paper").containsEntry("recent", "auto").containsEntry("skip-layers", "paper")
                .containsEntry("heavy-score", "accumulated").containsEntry("exact", "false").doesNotContainKey("window");
        assertThat(press("kvmerger", "heavy-score", "window").options()).containsEntry("heavy-score", "window").containsEntry("window", "32")
                .containsEntry("kernel", "7");
        assertThat(press("kvmerger", "sigma", "auto").options()).containsEntry("sigma", "auto");
        assertThat(Presses.create("adakv").options()).containsEntry("scorer", "snapkv").containsEntry("alpha", "0.2");
        assertThat(Presses.parse("pyramidkv:window=16,beta=10").options()).containsEntry("window", "16").containsEntry("beta", "10");
    }

    @Test
    void statsRequests() {
        assertThat(Presses.create("snapkv").statsRequest(2, 4, 2, 100)).isEqualTo(new StatsRequest(false, 32));
        assertThat(Presses.create("h2o").statsRequest(2, 4, 2, 100)).isEqualTo(new StatsRequest(true, 0));
        assertThat(Presses.create("cam").statsRequest(2, 4, 2, 100)).isEqualTo(new StatsRequest(true, 0));
        assertThat(Presses.create("dynamickv-merge").statsRequest(2, 4, 2, 100)).isEqualTo(new StatsRequest(false, 8));
        assertThat(Presses.create("full").statsRequest(2, 4, 2, 100).any()).isFalse();
        assertThat(press("adakv", "scorer", "knorm").statsRequest(2, 4, 2, 100).any()).isFalse();
    }

    @Test
    void budgetsValidateAndResolve() {
        assertThatThrownBy(() -> Budget.fraction(0)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Budget.fraction(1.5)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Budget.fraction(Double.NaN)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Budget.tokensPerHead(0)).hasMessageContaining(">= 1");
        assertThatThrownBy(() -> Budget.compressionRatio(1)).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> Budget.compressionRatio(-0.1)).hasMessageContaining("[0, 1)");
        assertThat(Budget.fraction(0.35).capacity(100)).isEqualTo(35);
        assertThat(Budget.fraction(0.001).capacity(100)).isEqualTo(1);
        assertThat(Budget.compressionRatio(0.5).capacity(101)).isEqualTo(50);
        assertThat(Budget.tokensPerHead(128).capacity(50)).isEqualTo(128);
        assertThat(Budget.parse("fraction=0.35")).isEqualTo(Budget.fraction(0.35));
        assertThat(Budget.parse("tokens:128")).isEqualTo(Budget.tokensPerHead(128));
        assertThat(Budget.parse("ratio=0.5").describe()).isEqualTo("ratio=0.5");
        assertThatThrownBy(() -> Budget.parse("percent=3")).hasMessageContaining("unknown budget kind");
    }

    @Test
    void fullIsTheIdentityAndReportsIt() {
        KvCache c = plain(2, 2, 4, 30);
        KvCache before = copy(c);
        CompressionReport r = Presses.create("full").compress(c, l -> null, Budget.fraction(0.1));
        assertSameCache(c, before);
        assertThat(r.achievedFraction()).isEqualTo(1.0);
        assertThat(r.bytesAfter()).isEqualTo(r.bytesBefore());
    }

    @Test
    void reportShowsMemoryReallyFreed() {
        KvCache c = plain(2, 2, 16, 400);
        CompressionReport r = press("snapkv", "window", "4").compress(c, same(windowStats(2, 4, new float[][] {row(400, 0.1f), row(400, 0.2f)})), Budget.fraction(0.25));
        assertThat(r.keptPerLayer()).containsExactly(200, 200);
        assertThat(r.keptPerHead()[1]).containsExactly(100, 100);
        assertThat(r.achievedFraction()).isEqualTo(0.25);
        assertThat(r.requestedFraction()).isEqualTo(0.25);
        assertThat(r.budgetRequested()).isEqualTo("fraction=0.25");
        assertThat(r.bytesAfter()).isEqualTo(r.bytesBefore() / 4);
        assertThat(r.allocatedBytesAfter()).isLessThan(r.allocatedBytesBefore() / 3);
        assertThat(r.summary()).contains("snapkv").contains("fraction=0.25");
    }

    @Test
    void missingStatisticsFailClearly() {
        KvCache c = plain(1, 1, 2, 20);
        assertThatThrownBy(() -> Presses.create("h2o").compress(c, same(windowStats(1, 4, new float[][] {row(20, 0.1f)})), Budget.fraction(0.5)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("column sums");
        assertThatThrownBy(() -> Presses.create("snapkv").compress(plain(1, 1, 2, 40), same(windowStats(1, 4, new float[][] {row(40, 0.1f)})), Budget.fraction(0.5)))
                .hasMessageContaining("last 32 queries");
    }
}
