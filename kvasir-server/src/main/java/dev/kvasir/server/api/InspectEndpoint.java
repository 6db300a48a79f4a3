package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.press.CompressionReport;
import dev.kvasir.core.tokenizer.Tokenizer;
import dev.kvasir.server.engine.Admission;
import dev.kvasir.server.engine.InferenceEngine;
import dev.kvasir.server.engine.Inspection;
import dev.kvasir.server.engine.InspectionJob;
import dev.kvasir.server.metrics.ServerMetrics;
import io.javalin.http.Context;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * POST /v1/kv/inspect: what one or two compression methods keep of a prompt, on one prefill.
 * Admitted like a completion (a decode slot and KV memory for the prefilled prompt plus one copy
 * per method). The answer (documented in the README) lists the prompt's tokens and, per method,
 * the press's report, the kept positions of every (layer, KV head) as runs, the merged sets and
 * the answer generated from the compressed cache when {@code max_tokens} &gt; 0.
 *
 * <p><b>Kept positions as runs</b>: {@code kept[layer][kvHead]} is a flat array
 * {@code [start0, length0, start1, length1, ...]} of the ascending runs of kept prompt positions:
 * a window of 64 recent tokens is two numbers instead of 64.
 */
public final class InspectEndpoint {
    private final InferenceEngine engine;
    private final RequestParser parser;
    private final Model model;
    private final String modelId;
    private final ServerMetrics metrics;
    private final Duration timeout;
    private final Duration queueTimeout;
    private final ShutdownSignal shutdown;

    public InspectEndpoint(InferenceEngine engine, RequestParser parser, Model model, String modelId, ServerMetrics metrics,
                           Duration timeout, Duration queueTimeout, ShutdownSignal shutdown) {
        this.engine = engine;
        this.parser = parser;
        this.model = model;
        this.modelId = modelId;
        this.metrics = metrics;
        this.timeout = timeout;
        this.queueTimeout = queueTimeout;
        this.shutdown = shutdown;
    }

    public int handle(Context ctx, byte[] body, ClientConnection connection) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        InspectionJob job = parser.inspection(body);
        try {
            Inspection result = engine.inspect(job, Math.min(deadline, start + queueTimeout.toNanos()),
                    () -> connection.gone() || shutdown.ending() || System.nanoTime() - deadline > 0);
            if (connection.gone()) return CompletionEndpoint.CLIENT_CLOSED;
            if (shutdown.ending()) throw ShutdownSignal.error("the inspection was ended");
            ctx.status(200).contentType("application/json").result(Json.write(render(job, result)));
            return 200;
        } catch (Admission.Refused r) {
            throw CompletionEndpoint.refused(r, metrics, "; shorten the prompt, lower 'max_tokens' or inspect one method");
        } finally {
            metrics.duration("kv_inspect", Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private ObjectNode render(InspectionJob job, Inspection result) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("object", "kv.inspection");
        root.put("model", modelId);
        root.put("layers", model.config().layers());
        root.put("kv_heads", model.config().kvHeads());
        root.put("prompt_tokens", job.prompt().length);
        root.put("bytes_full", result.bytesFull());
        ArrayNode tokens = root.putArray("tokens");
        Tokenizer tok = model.tokenizer();
        for (int id : job.prompt()) {
            ObjectNode t = tokens.addObject();
            t.put("id", id);
            t.put("text", tok.isSpecial(id) ? tok.tokenString(id) : new String(tok.tokenBytes(id), StandardCharsets.UTF_8));
        }
        ArrayNode methods = root.putArray("methods");
        for (Inspection.MethodResult m : result.methods()) methods.add(method(m));
        return root;
    }

    private static ObjectNode method(Inspection.MethodResult m) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        CompressionReport r = m.report();
        o.put("method", r.method());
        // what ran: the method's name and every option that departs from its default (the paper's)
        o.put("label", r.label());
        if (r.budgetNote() != null) o.put("budget_note", r.budgetNote());
        if (r.skipped() != null) o.put("skipped", r.skipped());
        ObjectNode opts = o.putObject("options");
        r.options().forEach(opts::put);
        o.put("budget", r.budgetRequested());
        o.put("requested_fraction", round(r.requestedFraction()));
        o.put("achieved_fraction", round(r.achievedFraction()));
        o.put("bytes_before", r.bytesBefore());
        o.put("bytes_after", r.bytesAfter());
        o.put("compress_ms", round(r.compressMillis()));
        ArrayNode perLayer = o.putArray("kept_per_layer");
        for (int k : r.keptPerLayer()) perLayer.add(k);
        ArrayNode perHead = o.putArray("kept_per_head");
        for (int[] layer : r.keptPerHead()) {
            ArrayNode a = perHead.addArray();
            for (int k : layer) a.add(k);
        }
        ObjectNode details = o.putObject("details");
        r.details().forEach(details::put);
        ArrayNode kept = o.putArray("kept");
        for (int[][] layer : m.kept()) {
            ArrayNode heads = kept.addArray();
            for (int[] positions : layer) runs(positions, heads.addArray());
        }
        ArrayNode merges = o.putArray("merges");
        for (Inspection.Merge g : m.merges()) {
            ObjectNode x = merges.addObject();
            x.put("layer", g.layer());
            x.put("kv_head", g.kvHead());
            x.put("slot", g.slotPosition());
            ArrayNode absorbed = x.putArray("absorbed");
            for (int p : g.absorbed()) absorbed.add(p);
        }
        GenerationResult a = m.answer();
        if (a != null) {
            ObjectNode answer = o.putObject("answer");
            answer.put("text", a.text());
            answer.put("completion_tokens", a.tokens().length);
            answer.put("finish_reason", a.finishReason());
        }
        return o;
    }

    /** Ascending positions as flat (start, length) runs. */
    static void runs(int[] ascending, ArrayNode out) {
        int i = 0;
        while (i < ascending.length) {
            int j = i + 1;
            while (j < ascending.length && ascending[j] == ascending[j - 1] + 1) j++;
            out.add(ascending[i]).add(j - i);
            i = j;
        }
    }

    private static double round(double x) {
        return Math.round(x * 10000) / 10000.0;
    }
}
