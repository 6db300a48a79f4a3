/**
 * Long-context evaluation without a model: benchmark samples, their official metrics, and reports.
 *
 * <p>Flow: a {@link dev.kvasir.eval.Task} (see {@link dev.kvasir.eval.Tasks}) turns a
 * {@link dev.kvasir.eval.TaskConfig} into {@link dev.kvasir.eval.EvalSample}s; the runner
 * (engine side) prefills {@code context}, asks {@code question} with {@code answerPrefix}, and
 * generates up to {@code maxNewTokens}; {@link dev.kvasir.eval.metrics.Metrics#score} scores the
 * prediction (0..1); the runner writes a {@link dev.kvasir.eval.report.ResultRow} per answer with
 * {@link dev.kvasir.eval.report.ResultsWriter}; {@link dev.kvasir.eval.report.ReportWriter} turns
 * a results directory into Markdown, CSV, JSON, PNG figures and one HTML page (scores ×100).
 *
 * <p>Lengths are tokens of the plain prompt ({@code context + question + answerPrefix}, no chat
 * template, no BOS) with the tokenizer given in the config: passkey and niah fill
 * {@code length - reserveTokens}; RULER tasks follow RULER and leave room for the generated tokens
 * as well. Long LongBench prompts are cut by the runner with
 * {@link dev.kvasir.eval.text.MiddleTruncation}, as LongBench does.
 *
 * <p>The {@code fidelity} task generates nothing: its sample is a long text whose first L tokens
 * are compressed and whose next tokens are teacher-forced, and the runner scores each cache's
 * next-token distributions against the full cache's ({@link dev.kvasir.eval.fidelity}).
 */
package dev.kvasir.eval;
