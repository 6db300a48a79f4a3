package dev.kvasir.server.engine;

import dev.kvasir.core.generate.Generator;
import dev.kvasir.core.model.Model;

/**
 * One of the server's concurrent decode lanes. A {@link Generator} owns scratch state for one
 * sequence, so each slot has its own; the model's weights are shared. Since a Generator's press
 * is fixed at construction, the slot keeps the Generator of the last compression setting it ran
 * and rebuilds it only when a request asks for a different one (cheap: scratch buffers only).
 */
final class DecodeSlot implements AutoCloseable {
    private final Model model;
    private final Generator.Options baseOptions;
    private Generator generator;
    private String generatorKey;

    DecodeSlot(Model model, Generator.Options baseOptions) {
        this.model = model;
        this.baseOptions = baseOptions;
    }

    /** The Generator for this compression setting; only the request holding the slot calls this. */
    Generator generatorFor(CompressionSpec compression) {
        if (generator == null || !compression.key().equals(generatorKey)) {
            close();
            Generator.Options opts = compression.compresses()
                    ? baseOptions.withPress(compression.newPress(), compression.budget())
                    : baseOptions.withPress(null, null);
            generator = new Generator(model, opts);
            generatorKey = compression.key();
        }
        return generator;
    }

    @Override
    public void close() {
        if (generator != null) {
            generator.close();
            generator = null;
            generatorKey = null;
        }
    }
}
