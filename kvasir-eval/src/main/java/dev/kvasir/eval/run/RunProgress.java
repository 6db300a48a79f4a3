package dev.kvasir.eval.run;

import dev.kvasir.eval.report.ResultRow;

/** What a run reports while it works; see {@link ConsoleProgress}. */
public interface RunProgress {
    /** A task starts: {@code rowsToDo} rows will be computed, {@code rowsDone} were found done. */
    default void taskStarted(String task, int samples, int rowsToDo, int rowsDone) {}

    /** Prompt tokens prefilled so far for a sample. */
    default void prefill(String sampleId, int done, int total) {}

    /** A row was written. */
    default void rowWritten(ResultRow row, String configuration) {}

    /** The task is over (or stopped at a row limit). */
    default void taskFinished(String task, int rowsWritten) {}

    /** Something the user should know (repaired files, truncated prompts, ...). */
    default void note(String message) {}

    RunProgress NONE = new RunProgress() {};
}
