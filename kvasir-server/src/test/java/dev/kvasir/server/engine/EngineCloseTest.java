package dev.kvasir.server.engine;

import dev.kvasir.core.TestResources;
import dev.kvasir.core.generate.SamplingParams;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.model.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Closing a batching engine (what a server shutdown does once its drain and grace time are over)
 * ends the sequences still in the batch with {@link EngineStopped}, which the endpoint answers as
 * {@code server_shutting_down}, and a sequence handed over after the close fails at once rather
 * than waiting for a lane that no longer steps.
 */
class EngineCloseTest {
    @Test
    void closingTheBatchingEngineEndsItsSequencesWithEngineStopped() throws Exception {
        // SmolLM2: 2000 tokens take far longer than the test needs to close the engine under them
        try (Model model = Model.load(TestResources.defaultModel())) {
            InferenceEngine engine = new InferenceEngine(model, true, 2, 4, 512L << 20, 1, KvPrecision.F32);
            int[] prompt = model.tokenizer().encode("Once upon a time", model.tokenizer().addBosByDefault(), false);
            InferenceJob job = new InferenceJob(prompt, 2000, SamplingParams.greedy(), List.of(), true, CompressionSpec.NONE);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            InferenceEngine.Admitted running = engine.admit(job, deadline);
            InferenceEngine.Admitted late = engine.admit(job, deadline);
            CountDownLatch generating = new CountDownLatch(1);
            CompletableFuture<Outcome> outcome = CompletableFuture.supplyAsync(() -> running.generate(t -> generating.countDown(), () -> false, deadline));
            assertThat(generating.await(120, TimeUnit.SECONDS)).as("the sequence generates").isTrue();
            engine.close();
            assertThatThrownBy(outcome::join).hasCauseInstanceOf(EngineStopped.class);
            assertThatThrownBy(() -> late.generate(t -> {}, () -> false, deadline)).isInstanceOf(EngineStopped.class);
            running.close();
            late.close();
            assertThat(engine.reservedKvBytes()).isZero();
        }
    }
}
