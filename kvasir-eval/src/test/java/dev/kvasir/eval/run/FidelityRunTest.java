package dev.kvasir.eval.run;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.model.InferenceState;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.Press;
import dev.kvasir.core.util.Parallel;
import dev.kvasir.eval.EvalSample;
import dev.kvasir.eval.fidelity.Distributions;
import dev.kvasir.eval.report.ResultRow;
import dev.kvasir.eval.report.ResultsReader;
import dev.kvasir.eval.task.FidelityTask;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The fidelity task end to end on a real model (stories260K), and its numbers recomputed
 * independently. Batches of 16 make the 24 teacher-forced tokens span two forward chunks.
 */
class FidelityRunTest {
    static final int LENGTH = 200, CONTINUATION = 24;
    private static Model model;

    @BeforeAll
    static void load() {
        model = Model.load(TestResources.stories260k());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static final TaskSpec FIDELITY = new TaskSpec("fidelity", List.of(LENGTH), List.of(), 2, null, null, 7, 0, 0,
            Map.of("continuation", String.valueOf(CONTINUATION), "buckets", "3"));

    static List<ResultRow> run(Path dir) throws Exception {
        EvalRunner.Settings settings = new EvalRunner.Settings(MethodSpec.parse(List.of("full", "snapkv", "h2o"), List.of("snapkv.window=8")),
                List.of(BudgetSpec.fraction(0.35)), QueryMode.AWARE, ChatMode.OFF, 0, Shard.ALL, 0);
        try (Generator gen = new Generator(model, new Generator.Options(2, dev.kvasir.core.kv.KvPrecision.F32, dev.kvasir.core.kv.KvPrecision.F32, 16, null, null, null))) {
            assertThat(new EvalRunner(model, gen, settings, RunProgress.NONE).run(FIDELITY, dir)).isEqualTo(2 * 3);
        }
        return ResultsReader.read(dir);
    }

    @Test
    void theFullCacheHasKlZeroAndAgreementOneAndCompressedCachesDoNot(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = run(dir);
        assertThat(rows).hasSize(6).allSatisfy(r -> {
            assertThat(r.task()).isEqualTo("fidelity");
            assertThat(r.promptTokens()).isEqualTo(LENGTH);
            assertThat(r.nll()).isPositive();
            assertThat(r.ppl()).isCloseTo(Math.exp(r.nll()), within(1e-9));
            assertThat(r.score()).isEqualTo(r.top1Agreement());
            assertThat(r.fidelityBuckets()).hasSize(3);
            assertThat(r.fidelityBuckets().getLast().to()).isEqualTo(CONTINUATION);
        });
        for (ResultRow full : rows.stream().filter(r -> r.method().equals("full")).toList()) {
            assertThat(full.kl()).isZero();
            assertThat(full.top1Agreement()).isEqualTo(1.0);
            assertThat(full.fidelityBuckets()).allSatisfy(b -> assertThat(b.kl()).isZero());
        }
        // keeping 35 % of a 200-token prefix changes the distributions: the measure is not blind
        assertThat(rows.stream().filter(r -> !r.method().equals("full")).mapToDouble(ResultRow::kl).min().orElseThrow()).isGreaterThan(1e-4);
        assertThat(rows.stream().filter(r -> !r.method().equals("full")).mapToDouble(ResultRow::budgetAchieved).max().orElseThrow())
                .isLessThan(0.5);
        String headline = Files.readString(RunReport.write(dir).headline());
        assertThat(headline).contains("KL(full ‖ compressed)").contains("lower is better").contains("| full | - | 2 |");
        assertThat(Files.readString(dir.resolve("fidelity.csv"))).startsWith("task,method,budget,n,nll,ppl,kl,top1_agreement\n");
    }

    /**
     * The snapkv row's NLL and KL recomputed without the runner, the teacher-forcing API or the
     * meter: a token-at-a-time forward over the continuation on a full and on a snapkv cache,
     * and KL from its definition.
     */
    @Test
    void aCompressedRowMatchesAnIndependentRecomputation(@TempDir Path dir) throws Exception {
        List<ResultRow> rows = run(dir);
        ResultRow row = rows.stream().filter(r -> r.method().equals("snapkv:window=8") && r.sampleId().equals("fidelity-L200-c24-s0")).findFirst().orElseThrow();
        ResultRow fullRow = rows.stream().filter(r -> r.method().equals("full") && r.sampleId().equals("fidelity-L200-c24-s0")).findFirst().orElseThrow();
        EvalSample sample = new FidelityTask().samples(FIDELITY.config(model.tokenizer(), 0)).getFirst();
        int[] ids = model.tokenizer().encode(sample.context(), model.tokenizer().addBosByDefault(), false);
        int[] prefix = Arrays.copyOf(ids, LENGTH);
        int[] fed = Arrays.copyOfRange(ids, LENGTH, LENGTH + CONTINUATION); // token i predicts ids[LENGTH + i + 1]
        float[][] full = logitsAfter(prefix, fed, null);
        Press snapkv = MethodSpec.parse(List.of("snapkv"), List.of("snapkv.window=8")).getFirst().newPress();
        float[][] compressed = logitsAfter(prefix, fed, snapkv);

        double kl = 0, nll = 0, nllFull = 0;
        int agree = 0;
        for (int i = 0; i < CONTINUATION; i++) {
            kl += Distributions.kl(full[i], 0, compressed[i], 0, full[i].length);
            int target = ids[LENGTH + i + 1];
            nll += nll(compressed[i], target);
            nllFull += nll(full[i], target);
            if (Distributions.argmax(full[i], 0, full[i].length) == Distributions.argmax(compressed[i], 0, full[i].length)) agree++;
        }
        assertThat(row.kl()).isCloseTo(kl / CONTINUATION, within(1e-4 * Math.max(1, kl / CONTINUATION)));
        assertThat(row.nll()).isCloseTo(nll / CONTINUATION, within(1e-4));
        assertThat(row.top1Agreement()).isEqualTo((double) agree / CONTINUATION);
        assertThat(fullRow.nll()).isCloseTo(nllFull / CONTINUATION, within(1e-4));
        assertThat(row.nll()).isNotCloseTo(fullRow.nll(), within(1e-3)); // the two caches really differ
    }

    /** −log softmax(logits)[target], from the definition. */
    private static double nll(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float v : logits) max = Math.max(max, v);
        for (float v : logits) sum += Math.exp(v - max);
        return -(logits[target] - max - Math.log(sum));
    }

    /** Prefill, compress with {@code press} (none: the full cache), then one forward per fed token. */
    private static float[][] logitsAfter(int[] prefix, int[] fed, Press press) {
        // F32, as the runner above: the recomputation must see the same cache
        try (Generator gen = new Generator(model, Generator.Options.defaults().withThreads(2).withPrecision(dev.kvasir.core.kv.KvPrecision.F32));
             Parallel par = new Parallel(1)) {
            Generator.Prefilled p = gen.prefillFor(prefix, fed.length, press);
            KvCache cache = p.cache();
            if (press != null) press.compress(cache, layer -> p.recorder().stats(layer), BudgetSpec.fraction(0.35).toBudget());
            InferenceState st = model.llama().newState(1);
            float[][] out = new float[fed.length][];
            for (int i = 0; i < fed.length; i++) {
                model.llama().forward(fed, i, 1, cache, st, par, null, false);
                out[i] = st.logits().clone();
            }
            return out;
        }
    }
}
