/**
 * The evaluation runner: tasks × (method, budget) on a real model, one result row each.
 *
 * <p>{@link dev.kvasir.eval.run.EvalRunner} builds a task's samples ({@link dev.kvasir.eval.run.TaskSpec}),
 * turns each into prompt tokens ({@link dev.kvasir.eval.run.PromptBuilder}: chat template or
 * plain, query-aware or query-agnostic, middle truncation), prefills it once and lets every
 * {@link dev.kvasir.eval.run.Configuration} compress a copy of the cache and decode
 * ({@link dev.kvasir.eval.run.SharedPrefill}), and appends the scored rows to a resumable
 * results file ({@link dev.kvasir.eval.run.ResultsLog}). {@link dev.kvasir.eval.run.RunReport}
 * writes the report of a results directory; {@link dev.kvasir.eval.run.Presets} holds the
 * papers' comparisons and the demo.
 */
package dev.kvasir.eval.run;
