package dev.kvasir.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvasir.chat.ChatMessage;
import dev.kvasir.core.generate.GenerationRequest;
import dev.kvasir.core.generate.GenerationResult;
import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.model.Model;
import dev.kvasir.core.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates text from a prompt, optionally with a compressed KV cache.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    PressOptions pressOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource source;

    static final class PromptSource {
        @Option(names = {"-p", "--prompt"}, description = "The prompt text.")
        String prompt;

        @Option(names = {"-f", "--prompt-file"}, description = "Read the prompt from this file (UTF-8).")
        Path promptFile;
    }

    @Option(names = "--chat", description = "Format the prompt as a user message with the model's chat template.")
    boolean chat;

    @Option(names = "--special", description = "Read special-token text in a plain prompt (e.g. <|im_start|>) as those tokens, "
            + "for prompts already in the model's chat format; without it such text is ordinary text.")
    boolean special;

    @Option(names = "--system", description = "System message (with --chat).")
    String system;

    @Option(names = {"-n", "--max-tokens"}, defaultValue = "256", description = "Maximum tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stop", description = "Stop before this string (repeatable).")
    List<String> stops;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = "--json", description = "Print one JSON object (text, tokens, timings, kv report) instead of streaming text.")
    boolean json;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        String text = source.prompt != null ? source.prompt : readPrompt(source.promptFile);
        if (maxTokens < 0) throw new IllegalArgumentException("-n/--max-tokens must be >= 0, got " + maxTokens);
        if (chat && special) throw new IllegalArgumentException("--special applies to plain prompts; --chat already reads the template's special tokens");
        try (Model model = modelOptions.load(!noProgress && !json)) {
            Tokenizer tok = model.tokenizer();
            int[] prompt = chat ? PromptFormat.chat(model, messages(text)) : PromptFormat.plain(model, text, special);
            Generator.Options opts = Generator.Options.defaults().withThreads(modelOptions.threads())
                    .withPrecisions(modelOptions.kvPrecision(), modelOptions.kvPrecisionValues()).withPress(pressOptions.press(), pressOptions.budget());
            try (Generator gen = new Generator(model, opts)) {
                ProgressBar bar = new ProgressBar(System.err, !noProgress && !json && prompt.length >= 1024);
                gen.onPrefillProgress(done -> bar.update("prefill", done, prompt.length));
                GenerationRequest req = GenerationRequest.of(prompt, maxTokens, sampling.params())
                        .withStopStrings(stops == null ? List.of() : stops).withIgnoreEos(ignoreEos);
                PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
                GenerationResult r = gen.generate(req, json ? piece -> {} : piece -> {
                    out.print(piece);
                    out.flush();
                });
                if (json) {
                    out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(
                            JsonReports.generation(r, model, tok, pressOptions, modelOptions.kvPrecision(), modelOptions.kvPrecisionValues())));
                } else {
                    out.println();
                    if (!noProgress) System.err.println(JsonReports.summaryLine(r));
                }
            }
        }
        return 0;
    }

    private List<ChatMessage> messages(String user) {
        List<ChatMessage> m = new ArrayList<>();
        if (system != null) m.add(new ChatMessage("system", system));
        m.add(new ChatMessage("user", user));
        return m;
    }

    static String readPrompt(Path p) throws java.io.IOException {
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--prompt-file " + p + ": no such file");
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
