package dev.kvasir.server;

import java.time.Duration;

/** Polls a condition until it holds or a deadline passes (the server settles asynchronously). */
final class Await {
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    private Await() {}

    static void until(Duration limit, String what, Condition c) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!c.holds()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out after " + limit + " waiting until " + what);
            Thread.sleep(25);
        }
    }
}
