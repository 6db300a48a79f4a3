package dev.kvasir.core.press;

import dev.kvasir.core.kv.HeadCache;
import dev.kvasir.core.kv.KvPrecision;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** HeadCache.retain, as the presses use it: position order, masses kept, memory released, headroom. */
class PressRetainTest {

    @Test
    void retainSortsByPositionKeepsMassAndReleasesMemory() {
        for (KvPrecision p : KvPrecision.values()) {
            HeadCache h = new HeadCache(p, 4, 1000);
            for (int j = 0; j < 1000; j++) h.append(new float[] {j, 0, 0, 0}, 0, new float[] {0, j, 0, 0}, 0, 10 * j);
            h.setMass(500, 3f);
            long before = h.bytes();
            h.retain(new int[] {900, 3, 500, 42}, 4, 16);
            assertThat(h.positions()).containsExactly(30, 420, 5000, 9000);
            assertThat(h.mass(2)).isEqualTo(3f);
            assertThat(h.mass(0)).isEqualTo(1f);
            float[] k = new float[4];
            h.keys().get(3, k, 0);
            // exact in the float formats; within half a block step (900 / 127 / 2, or 900 / 8 / 2) quantised; KIVI's
            // key channel spans 896 .. 927 over its group of 32 tokens: half a step of 31 / 15 or 31 / 3
            float tolerance = switch (p) { case Q8 -> 3.6f; case Q4 -> 57f; case KIVI4 -> 1.04f; case KIVI2 -> 5.2f; default -> 0f; };
            assertThat(k[0]).isCloseTo(900f, org.assertj.core.api.Assertions.within(tolerance));
            assertThat(h.keys().capacity()).isEqualTo(20);
            assertThat(h.bytes()).isLessThan(before / 40);
            // appending into the headroom keeps mass 1 for new slots
            int s = h.append(new float[4], 0, new float[4], 0, 10000);
            assertThat(h.mass(s)).isEqualTo(1f);
        }
    }

    @Test
    void retainRejectsDuplicatesAndBadSlots() {
        HeadCache h = new HeadCache(KvPrecision.F32, 2, 4);
        for (int j = 0; j < 4; j++) h.append(new float[2], 0, new float[2], 0, j);
        assertThatThrownBy(() -> h.retain(new int[] {1, 1}, 2, 0)).hasMessageContaining("kept twice");
        assertThatThrownBy(() -> h.retain(new int[] {7}, 1, 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
