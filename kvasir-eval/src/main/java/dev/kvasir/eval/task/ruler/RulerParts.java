package dev.kvasir.eval.task.ruler;

import java.util.List;

/** One generated RULER input, split into the parts of an {@link dev.kvasir.eval.EvalSample}. */
public record RulerParts(String context, String question, String answerPrefix, List<String> answers) {
    public RulerParts {
        answers = List.copyOf(answers);
    }

    /** RULER's {@code input} followed by its {@code answer_prefix}. */
    public String prompt() {
        return context + question + answerPrefix;
    }
}
