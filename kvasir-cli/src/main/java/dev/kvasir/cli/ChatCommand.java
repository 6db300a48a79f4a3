package dev.kvasir.cli;

import dev.kvasir.chat.ChatMessage;
import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Interactive chat. The KV cache lives across turns: each turn renders the whole conversation
 * with the chat template and prefills only the tokens the cache does not hold yet.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Interactive chat with streaming output (/exit to quit, /reset to start over).")
final class ChatCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    PressOptions pressOptions;

    @Option(names = "--system", description = "System message.")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "512", description = "Maximum tokens per answer (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Model model = modelOptions.load(true)) {
            Generator.Options opts = Generator.Options.defaults().withThreads(modelOptions.threads())
                    .withPrecisions(modelOptions.kvPrecision(), modelOptions.kvPrecisionValues()).withPress(pressOptions.press(), pressOptions.budget());
            try (Generator gen = new Generator(model, opts)) {
                List<ChatMessage> messages = new ArrayList<>();
                if (system != null) messages.add(new ChatMessage("system", system));
                KvCache cache = gen.newCache(1024);
                int[] cached = new int[0];
                out.println("chatting with " + model.name() + " (/exit to quit, /reset to start over)");
                while (true) {
                    out.print("> ");
                    out.flush();
                    String line = in.readLine();
                    if (line == null || line.strip().equals("/exit")) break;
                    if (line.strip().equals("/reset")) {
                        messages.subList(system != null ? 1 : 0, messages.size()).clear();
                        cache = gen.newCache(1024);
                        cached = new int[0];
                        continue;
                    }
                    if (line.isBlank()) continue;
                    messages.add(new ChatMessage("user", line));
                    int[] all = PromptFormat.chat(model, messages);
                    int common = commonPrefix(cached, all);
                    if (common < cached.length) {
                        // The template re-rendered history differently from what was generated. An
                        // uncompressed cache can be rolled back to the common prefix; a compressed
                        // one no longer maps slots to positions, so it starts over.
                        // (asked of a layer that holds the whole context: a sliding-window layer holds its window only)
                        boolean uncompressed = cache.layer(cache.globalLayers()[0])[0].size() == cache.nextPosition();
                        boolean rolledBack = false;
                        if (uncompressed) {
                            try {
                                cache.truncate(common, common);
                                rolledBack = true;
                            } catch (IllegalStateException windowMovedOn) {
                                // a sliding-window layer's ring has overwritten the tokens before the common prefix
                            }
                        }
                        if (!rolledBack) {
                            cache = gen.newCache(all.length + maxTokens);
                            common = 0;
                        }
                    }
                    int[] fresh = Arrays.copyOfRange(all, common, all.length);
                    if (fresh.length == 0) fresh = new int[] {all[all.length - 1]};
                    StringBuilder answer = new StringBuilder();
                    GenerationResult r = gen.generate(GenerationRequest.of(fresh, maxTokens, sampling.params()), cache, piece -> {
                        answer.append(piece);
                        out.print(piece);
                        out.flush();
                    });
                    out.println();
                    System.err.println(JsonReports.summaryLine(r));
                    messages.add(new ChatMessage("assistant", answer.toString()));
                    int[] nowCached = Arrays.copyOf(all, all.length + r.tokens().length);
                    System.arraycopy(r.tokens(), 0, nowCached, all.length, r.tokens().length);
                    // the last sampled token was not run through the model yet
                    cached = Arrays.copyOf(nowCached, Math.max(0, nowCached.length - 1));
                    if (cache.nextPosition() != cached.length) cached = Arrays.copyOf(nowCached, cache.nextPosition());
                }
            }
        }
        return 0;
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), i = 0;
        while (i < n && a[i] == b[i]) i++;
        return i;
    }
}
