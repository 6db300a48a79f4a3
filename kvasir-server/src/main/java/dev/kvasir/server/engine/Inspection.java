package dev.kvasir.server.engine;

import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.press.CompressionReport;

import java.util.List;

/**
 * What each method of an {@link InspectionJob} kept of the prompt.
 *
 * @param bytesFull the prompt's full KV cache in bytes (before any compression)
 * @param methods   one result per requested method, in request order
 */
public record Inspection(long bytesFull, List<MethodResult> methods) {

    /**
     * @param spec   the method as requested
     * @param report the press's report
     * @param kept   original positions of the kept slots, [layer][kvHead][slot], ascending
     * @param merges the merged sets the press reported ({@link dev.kvasir.core.press.MergeTrace})
     * @param answer the answer generated from the compressed cache, or null when none was asked for
     */
    public record MethodResult(CompressionSpec spec, CompressionReport report, int[][][] kept, List<Merge> merges,
                               GenerationResult answer) {}

    /** Positions {@code absorbed} were merged into the slot kept at {@code slotPosition} of (layer, kvHead). */
    public record Merge(int layer, int kvHead, int slotPosition, int[] absorbed) {}
}
