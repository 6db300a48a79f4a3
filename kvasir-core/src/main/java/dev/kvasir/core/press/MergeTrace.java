package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;

import java.util.function.Supplier;

/**
 * Which prompt positions a merging press folded into which kept slot, for tools that show it
 * (the server's KV inspector). The cache itself only keeps the slot's own position and, when
 * mass-aware, its mass, so a merge's members are told here, as they happen, to a listener that
 * the caller installs around {@link Press#compress} on its own thread (compression runs on the
 * calling thread). Without a listener recording costs one thread-local read per merged set.
 *
 * <p>Reported by the kernel merges: KVMerger's sets ({@code kvmerger}) and the neighbour merge of
 * evicted tokens ({@code dynamickv-merge}). CaM spreads evicted <em>values</em> over the next
 * kept slots without a single target and is not reported.
 */
public final class MergeTrace {

    /** Receives one merged set: the kept slot's position and the positions absorbed into it (the slot excluded). */
    @FunctionalInterface
    public interface Listener {
        void merged(int layer, int kvHead, int slotPosition, int[] absorbedPositions);
    }

    private static final ThreadLocal<Listener> CURRENT = new ThreadLocal<>();

    private MergeTrace() {}

    /** Runs {@code work} (a compression) with {@code listener} told about every merge it makes on this thread. */
    public static <T> T during(Listener listener, Supplier<T> work) {
        Listener before = CURRENT.get();
        CURRENT.set(listener);
        try {
            return work.get();
        } finally {
            if (before == null) CURRENT.remove();
            else CURRENT.set(before);
        }
    }

    /** Reports that slots {@code members[0..count)} of {@code head} (the pivot among them) became slot {@code pivot}. */
    static void record(int layer, int kvHead, HeadCache head, int pivot, int[] members, int count) {
        Listener l = CURRENT.get();
        if (l == null) return;
        int[] absorbed = new int[count - 1]; // the members hold the pivot once
        int n = 0;
        for (int i = 0; i < count; i++) if (members[i] != pivot) absorbed[n++] = head.position(members[i]);
        l.merged(layer, kvHead, head.position(pivot), absorbed);
    }
}
