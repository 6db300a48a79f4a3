package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.model.AttentionRecorder;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.press.MergeTrace;
import dev.kvasir.core.press.Press;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs an {@link InspectionJob} on one decode slot the way the evaluation compares methods: one
 * prefill gathering the statistics every method needs, then per method a copy of the prefilled
 * cache, compressed by its press (merges traced), its kept positions read off the cache, and,
 * when asked, an answer decoded from that compressed cache (with the method's decode-time part).
 */
final class KvInspector {
    private KvInspector() {}

    static Inspection run(DecodeSlot slot, InspectionJob job, long bytesPerToken, BooleanSupplier cancelled) {
        List<CompressionSpec> specs = job.methods();
        Press[] presses = new Press[specs.size()];
        for (int i = 0; i < presses.length; i++) presses[i] = specs.get(i).newPress();
        Generator prefiller = slot.generatorFor(CompressionSpec.NONE);
        Generator.Prefilled prefilled = prefiller.prefillFor(job.prompt(), job.maxTokens() + 1, presses);
        AttentionRecorder recorder = prefilled.recorder();
        List<Inspection.MethodResult> results = new ArrayList<>();
        for (int i = 0; i < presses.length; i++) {
            CompressionSpec spec = specs.get(i);
            KvCache cache = prefilled.cache().copy();
            List<Inspection.Merge> merges = new ArrayList<>();
            Press press = presses[i];
            // a model with sliding-window layers: the press compresses the global layers (a view of them)
            KvCache view = cache.compressibleView();
            CompressionReport report = MergeTrace.during(
                    (layer, kvHead, slotPosition, absorbed) -> merges.add(new Inspection.Merge(view.modelLayer(layer), kvHead, slotPosition, absorbed)),
                    () -> press.compress(view, layer -> recorder == null ? null : recorder.stats(view.modelLayer(layer)), spec.budget()));
            if (view != cache) report = report.withSlidingLayers(CompressionReport.SlidingLayers.of(cache));
            int[][][] kept = keptPositions(cache);
            GenerationResult answer = job.maxTokens() == 0 ? null : answer(slot, spec, job, prefilled, cache, cancelled);
            results.add(new Inspection.MethodResult(spec, report, kept, List.copyOf(merges), answer));
        }
        return new Inspection(bytesPerToken * job.prompt().length, List.copyOf(results));
    }

    private static int[][][] keptPositions(KvCache cache) {
        int[][][] kept = new int[cache.layers()][cache.kvHeads()][];
        for (int l = 0; l < cache.layers(); l++) {
            for (int h = 0; h < cache.kvHeads(); h++) kept[l][h] = cache.head(l, h).positions(); // position order (HeadCache.retain)
        }
        return kept;
    }

    /** Decodes from the already compressed cache; the slot's generator for this spec brings the method's decode-time press. */
    private static GenerationResult answer(DecodeSlot slot, CompressionSpec spec, InspectionJob job, Generator.Prefilled prefilled,
                                           KvCache compressed, BooleanSupplier cancelled) {
        Generator gen = slot.generatorFor(spec);
        gen.cancelWhen(cancelled);
        try {
            Generator.Prefilled from = new Generator.Prefilled(compressed, null, prefilled.logits(), prefilled.promptTokens(),
                    prefilled.prefillMs());
            GenerationRequest request = GenerationRequest.of(job.prompt(), job.maxTokens(), job.sampling());
            return gen.continueFrom(from, false, null, spec.budget(), request, text -> {});
        } finally {
            gen.cancelWhen(() -> false);
        }
    }
}
