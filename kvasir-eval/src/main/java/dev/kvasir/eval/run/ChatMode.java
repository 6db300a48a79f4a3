package dev.kvasir.eval.run;

/**
 * Whether prompts go through the model's chat template.
 *
 * <ul>
 *   <li>{@link #AUTO}: when the model ships a template and the sample does not opt out
 *       ({@link dev.kvasir.eval.EvalSample#CHAT_TEMPLATE} false: LongBench's few-shot tasks);</li>
 *   <li>{@link #ON}: always, with the ChatML fallback for models without a template, except for
 *       samples that opt out;</li>
 *   <li>{@link #OFF}: never; the plain prompt as the reference harness builds it for a base model.</li>
 * </ul>
 */
public enum ChatMode {
    AUTO, ON, OFF
}
