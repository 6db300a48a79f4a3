package dev.kvasir.cli;

/**
 * SIGTERM and SIGINT handled by the program instead of the JVM, so that {@code kvasir serve} can
 * drain and then exit with status 0 (the JVM's handlers start the shutdown at once and exit with
 * 128 + the signal). Uses {@code sun.misc.Signal} (module jdk.unsupported), the only way the JDK
 * offers; where it is missing the JVM's behaviour stays.
 */
final class ShutdownSignals {
    private ShutdownSignals() {}

    /** Runs {@code action} (on a signal thread) on each SIGTERM or SIGINT; false when signals cannot be handled here. */
    @SuppressWarnings("removal")
    static boolean onTerminate(Runnable action) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            }
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
