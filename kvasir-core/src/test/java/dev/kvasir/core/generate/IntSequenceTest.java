package dev.kvasir.core.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IntSequenceTest {
    @Test
    void viewsAnArrayPrefixWithoutCopying() {
        int[] buffer = {5, 6, 7, 0, 0};
        IntSequence s = IntSequence.of(buffer, 3);
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.toArray()).containsExactly(5, 6, 7);
        buffer[1] = 9;
        assertThat(s.get(1)).isEqualTo(9);
        assertThatThrownBy(() -> s.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> IntSequence.of(buffer, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(IntSequence.EMPTY.size()).isZero();
        assertThat(IntSequence.of(1, 2).toArray()).containsExactly(1, 2);
    }
}
