/**
 * Result rows (one JSON line per generated answer), their reader and writer, and
 * {@link dev.kvasir.eval.report.ReportWriter}, which summarises them per task, method and budget
 * and draws the figures (needle heatmaps, score-vs-budget curves, per-layer budgets and
 * compression ratios) with XChart, off-screen.
 */
package dev.kvasir.eval.report;
