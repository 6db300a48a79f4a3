package dev.kvasir.eval.report;

import org.knowm.xchart.internal.chartpart.Chart;

/** A chart to be written as {@code figures/<fileName>}, with a caption for the HTML page. */
record Figure(String fileName, String caption, Chart<?, ?> chart) {}
