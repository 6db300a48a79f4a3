package dev.kvasir.server;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantitiesTest {
    @Test
    void sizes() {
        assertThat(Quantities.parseBytes("2g")).isEqualTo(2L << 30);
        assertThat(Quantities.parseBytes("1m")).isEqualTo(1L << 20);
        assertThat(Quantities.parseBytes("512MiB")).isEqualTo(512L << 20);
        assertThat(Quantities.parseBytes("64k")).isEqualTo(64L << 10);
        assertThat(Quantities.parseBytes("1.5G")).isEqualTo(3L << 29);
        assertThat(Quantities.parseBytes("1000")).isEqualTo(1000);
        assertThatThrownBy(() -> Quantities.parseBytes("lots")).hasMessageContaining("not a size");
    }

    @Test
    void durations() {
        assertThat(Quantities.parseDuration("120s")).isEqualTo(Duration.ofSeconds(120));
        assertThat(Quantities.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Quantities.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Quantities.parseDuration("30")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> Quantities.parseDuration("soon")).hasMessageContaining("not a duration");
    }
}
