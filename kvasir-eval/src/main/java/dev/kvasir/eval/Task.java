package dev.kvasir.eval;

import java.util.List;

/** A benchmark: produces its samples from a configuration; never touches a model. */
public interface Task {
    /** The task's name as written in result rows and reports (e.g. {@code niah}, {@code niah_single_2}, {@code multi_news}). */
    String name();

    /** The samples, in a deterministic order for a given configuration (seeded). */
    List<EvalSample> samples(TaskConfig config);
}
