package dev.kvasir.core.model;

import dev.kvasir.core.gguf.GgmlType;
import dev.kvasir.core.kv.KvCache;
import dev.kvasir.core.kv.KvPrecision;
import dev.kvasir.core.tensor.WeightMatrices;
import dev.kvasir.core.tensor.WeightMatrix;
import dev.kvasir.core.util.Parallel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * The model features no shared model file exercises (Qwen2's QKV biases, Qwen3's QK-norm, Llama
 * 3.1's RoPE scaling, both RoPE pairings, GQA ratios) on small random models, engine against
 * the independent scalar reference.
 */
class ArchitectureVariantsTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama-interleaved,INTERLEAVED,false,false,false,8,2", "qwen2-bias,NEOX,true,false,false,8,4",
            "qwen3-qknorm,NEOX,false,true,false,4,2", "llama31-scaled,INTERLEAVED,false,false,true,8,8"})
    void engineMatchesReference(String name, RopeType rope, boolean bias, boolean qkNorm, boolean scaled, int heads, int kvHeads) {
        Random r = new Random(name.hashCode());
        int dim = 64, headDim = 16, hidden = 96, vocab = 50, layers = 2;
        ModelConfig.Llama3RopeScaling scaling = scaled ? new ModelConfig.Llama3RopeScaling(8f, 1f, 4f, 16) : null;
        ModelConfig c = new ModelConfig(name, dim, hidden, layers, heads, kvHeads, headDim, vocab, 256, 1e-5f, 10000f, rope, headDim,
                scaling, bias, qkNorm, false);
        LayerWeights[] lw = new LayerWeights[layers];
        for (int l = 0; l < layers; l++) {
            lw[l] = new LayerWeights(norm(r, dim), m(r, heads * headDim, dim), m(r, kvHeads * headDim, dim), m(r, kvHeads * headDim, dim),
                    m(r, dim, heads * headDim), bias ? vec(r, heads * headDim) : null, bias ? vec(r, kvHeads * headDim) : null,
                    bias ? vec(r, kvHeads * headDim) : null, qkNorm ? norm(r, headDim) : null, qkNorm ? norm(r, headDim) : null,
                    norm(r, dim), m(r, hidden, dim), m(r, dim, hidden), m(r, hidden, dim));
        }
        ModelWeights w = new ModelWeights(m(r, vocab, dim), lw, norm(r, dim), m(r, vocab, dim), null);
        LlamaModel llama = new LlamaModel(c, w);
        ReferenceForward ref = new ReferenceForward(c, w, 40);
        int[] tokens = new int[40];
        for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(vocab);
        float[][] expected = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) expected[i] = ref.step(tokens[i]);
        try (Parallel par = new Parallel(2)) {
            KvCache cache = llama.newCache(KvPrecision.F32, 8);
            InferenceState st = llama.newState(16);
            llama.forward(tokens, 0, 30, cache, st, par, null, false); // batched prefill (chunks of 16)
            LlamaModelTest.assertClose(st.logits(), expected[29], 1e-4f);
            for (int i = 30; i < tokens.length; i++) { // then decode
                llama.forward(tokens, i, 1, cache, st, par, null, false);
                LlamaModelTest.assertClose(st.logits(), expected[i], 1e-4f);
            }
        }
    }

    static WeightMatrix m(Random r, int rows, int cols) {
        MemorySegment seg = MemorySegment.ofArray(new byte[rows * cols * 4]);
        float scale = (float) (1 / Math.sqrt(cols));
        for (long i = 0; i < (long) rows * cols; i++) {
            seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4, (float) r.nextGaussian() * scale);
        }
        return WeightMatrices.of(GgmlType.F32, seg, rows, cols);
    }

    static float[] vec(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.3f;
        return v;
    }

    static float[] norm(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 1f + (float) r.nextGaussian() * 0.1f;
        return v;
    }
}
