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

    /**
     * Batching: a lease reserves its run bytes plus a transient part for its uncompressed
     * prefill; the books keep room for the largest transient part, and a second prefill starts
     * only when both transient parts fit.
     */
    @Test
    void transientPrefillBytesAreCountedOnceUnlessPrefillsOverlap() throws Exception {
        Admission<String> a = new Admission<>(List.of("s1", "s2", "s3"), 0, 100);
        var l1 = a.acquire(20, 50, in(0), () -> false);
        var l2 = a.acquire(20, 50, in(0), () -> false);
        assertThat(a.reservedBytes()).isEqualTo(90); // 20 + 20 + one transient of 50
        assertThat(l1.ceiling()).isEqualTo(70);
        assertThatThrownBy(() -> a.acquire(20, 0, in(0), () -> false)).isInstanceOf(Admission.Refused.class);
        assertThat(l1.tryStartPrefill()).isTrue();
        assertThat(l2.tryStartPrefill()).as("two transients of 50 do not fit beside 40").isFalse();
        l1.settle(25); // compressed: it holds 25 for the rest of its run
        assertThat(a.reservedBytes()).isEqualTo(95);
        assertThat(l2.tryStartPrefill()).isTrue();
        l2.settle(30);
        assertThat(a.reservedBytes()).isEqualTo(55);
        var l3 = a.acquire(45, 0, in(0), () -> false); // the room the compressions gave back
        l1.close();
        l2.close();
        l3.close();
        assertThat(a.reservedBytes()).isZero();
    }

    /**
     * Two batch lanes: the books keep room for two transient parts, so admitting compressed
     * sequences never leaves one lane unable to prefill while the other does (measured before:
     * one of two lanes idle much of the time in bench-server.sh's memory scenario).
     */
    @Test
    void withTwoLanesTwoPrefillsAlwaysFit() throws Exception {
        Admission<String> a = new Admission<>(List.of("s1", "s2", "s3", "s4"), 0, 160, 2);
        var l1 = a.acquire(20, 50, in(0), () -> false);
        var l2 = a.acquire(20, 50, in(0), () -> false);
        assertThat(a.reservedBytes()).isEqualTo(140); // 20 + 20 + two transients of 50
        assertThatThrownBy(() -> a.acquire(30, 0, in(0), () -> false)).as("a third would eat a lane's prefill room")
                .isInstanceOf(Admission.Refused.class);
        assertThat(l1.tryStartPrefill()).isTrue();
        assertThat(l2.tryStartPrefill()).as("both lanes prefill at once").isTrue();
        l1.settle(25);
        l2.settle(25);
        assertThat(a.reservedBytes()).isEqualTo(50);
        var l3 = a.acquire(20, 50, in(0), () -> false);
        assertThat(a.reservedBytes()).isEqualTo(120); // 50 + 20 + its transient of 50, the only one left
        var l4 = a.acquire(10, 0, in(0), () -> false);
        assertThat(a.reservedBytes()).isEqualTo(130);
        assertThatThrownBy(() -> a.acquire(40, 0, in(0), () -> false)).isInstanceOf(Admission.Refused.class);
        assertThatThrownBy(() -> new Admission<>(List.of("s"), 0, 10, 0)).hasMessageContaining("at least one prompt");
        for (var l : List.of(l1, l2, l3, l4)) l.close();
        assertThat(a.reservedBytes()).isZero();
    }

    @Test
    void aQueuedRequestWhoseClientLeftGivesUpItsPlace() throws Exception {
        Admission<String> a = new Admission<>(List.of("s1"), 4, 100);
        var holder = a.acquire(10, in(0));
        java.util.concurrent.atomic.AtomicBoolean gone = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Admission.Reason> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                a.acquire(10, 0, in(60_000), gone::get).close();
                return null;
            } catch (Admission.Refused r) {
                return r.reason();
            }
        });
        while (a.queueLength() == 0) Thread.sleep(5);
        gone.set(true);
        assertThat(waiter.get(30, TimeUnit.SECONDS)).isEqualTo(Admission.Reason.CLIENT_GONE);
        assertThat(a.queueLength()).isZero();
        holder.close();
    }
}
