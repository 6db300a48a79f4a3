package dev.kvasir.eval.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON mapping of result rows and summaries. */
final class ResultsJson {
    private ResultsJson() {}

    static final ObjectMapper MAPPER = new ObjectMapper()
            // rows written by a newer runner may carry extra fields: keep reading them
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static String toJson(ResultRow row) {
        try {
            return MAPPER.writeValueAsString(row);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise result row " + row.sampleId(), e);
        }
    }
}
