package dev.kvasir.server.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdmissionTest {
    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void admitsUpToTheSlotsAndTheMemory() throws Exception {
        Admission<String> a = new Admission<>(List.of("s1", "s2"), 0, 100);
        var l1 = a.acquire(40, in(0));
        var l2 = a.acquire(40, in(0));
        assertThat(List.of(l1.slot(), l2.slot())).containsExactlyInAnyOrder("s1", "s2");
        assertThat(a.active()).isEqualTo(2);
        assertThat(a.reservedBytes()).isEqualTo(80);
        assertThatThrownBy(() -> a.acquire(1, in(0))).isInstanceOf(Admission.Refused.class)
                .satisfies(e -> assertThat(((Admission.Refused) e).reason()).isEqualTo(Admission.Reason.QUEUE_FULL))
                .satisfies(e -> assertThat(((Admission.Refused) e).retryAfterSeconds()).isBetween(1L, 60L));
        l1.close();
        l1.close(); // idempotent
        assertThat(a.reservedBytes()).isEqualTo(40);
        var l3 = a.acquire(60, in(0));
        assertThat(a.reservedBytes()).isEqualTo(100);
        l2.close();
        l3.close();
        assertThat(a.reservedBytes()).isZero();
        assertThat(a.active()).isZero();
    }

    @Test
    void aRequestLargerThanTheLimitNeverFits() {
        Admission<String> a = new Admission<>(List.of("s"), 10, 100);
        assertThatThrownBy(() -> a.acquire(101, in(1000))).isInstanceOf(Admission.Refused.class)
                .hasMessageContaining("--max-kv-memory")
                .satisfies(e -> assertThat(((Admission.Refused) e).reason()).isEqualTo(Admission.Reason.NEVER_FITS));
    }

    @Test
    void waitsForMemoryUntilTheDeadline() throws Exception {
        Admission<String> a = new Admission<>(List.of("s1", "s2"), 4, 100);
        var big = a.acquire(90, in(0));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> a.acquire(20, in(150))).isInstanceOf(Admission.Refused.class).hasMessageContaining("KV memory")
                .satisfies(e -> assertThat(((Admission.Refused) e).reason()).isEqualTo(Admission.Reason.TIMED_OUT));
        assertThat((System.nanoTime() - t0) / 1e6).isGreaterThanOrEqualTo(140);
        assertThat(a.queueLength()).isZero();
        CompletableFuture<Admission<String>.Lease> waiting = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try {
                waiting.complete(a.acquire(20, in(5000)));
            } catch (Admission.Refused e) {
                waiting.completeExceptionally(e);
            }
        });
        Thread.sleep(50);
        assertThat(waiting).isNotDone();
        assertThat(a.queueLength()).isEqualTo(1);
        big.close();
        assertThat(waiting.get(2, TimeUnit.SECONDS).bytes()).isEqualTo(20);
    }

    @Test
    void servesWaitersInArrivalOrder() throws Exception {
        Admission<String> a = new Admission<>(List.of("s"), 4, 100);
        var first = a.acquire(10, in(0));
        StringBuffer order = new StringBuffer();
        CompletableFuture<?>[] waiters = new CompletableFuture<?>[3];
        for (int i = 0; i < 3; i++) {
            int id = i;
            CompletableFuture<Void> done = new CompletableFuture<>();
            waiters[i] = done;
            // own threads: the common pool may have a single worker on a small machine
            Thread.startVirtualThread(() -> {
                try (var lease = a.acquire(10, in(5000))) {
                    order.append(id);
                    done.complete(null);
                } catch (Admission.Refused e) {
                    done.completeExceptionally(e);
                }
            });
            long giveUp = in(5000);
            while (a.queueLength() < i + 1 && System.nanoTime() < giveUp) Thread.sleep(5); // enqueue one after the other
        }
        first.close();
        CompletableFuture.allOf(waiters).get(5, TimeUnit.SECONDS);
        assertThat(order.toString()).isEqualTo("012");
    }
}
