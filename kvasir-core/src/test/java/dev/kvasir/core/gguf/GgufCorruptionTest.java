package dev.kvasir.core.gguf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Truncated and bit-flipped copies of stories260K: opening must succeed or fail with a
 * ModelFormatException naming the file, never anything else. The copy is edited in place
 * (truncate, patch bytes and restore them) so thousands of cases stay cheap.
 */
class GgufCorruptionTest {
    @TempDir
    Path dir;

    private static final byte[] ORIGINAL = read(TestResources.stories260k());
    /** End of the tensor infos (and of the padding before the data): everything before it is structure. */
    private static final int DATA_OFFSET = 14_176;

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        Path copy = Files.write(dir.resolve("cut.gguf"), ORIGINAL);
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            // beyond the structure: a sample of lengths, longest first so truncate() can shrink in place
            for (long length = ORIGINAL.length - 1; length > DATA_OFFSET; length -= 997) {
                ch.truncate(length);
                assertRefused(copy, length);
            }
            // the whole structure: every prefix length
            for (long length = DATA_OFFSET; length >= 0; length--) {
                ch.truncate(length);
                assertRefused(copy, length);
            }
        }
    }

    private static void assertRefused(Path file, long length) {
        // The last tensor ends at the end of the file, so every proper prefix is missing something.
        Throwable t = catchThrowable(() -> GgufFile.open(file).close());
        assertThat(t).as("prefix of %d bytes", length).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("cut.gguf").hasMessageNotContaining("internal parse error");
    }

    @Test
    void singleBitFlipsInTheStructure() throws IOException {
        flipRandomly(new Random(260), 600, 1);
    }

    @Test
    void multiByteCorruptionInTheStructure() throws IOException {
        flipRandomly(new Random(656), 400, 8);
    }

    /** {@code cases} times: corrupts up to {@code maxBytes} random bytes before the data, opens, restores. */
    private void flipRandomly(Random random, int cases, int maxBytes) throws IOException {
        Path copy = Files.write(dir.resolve("flipped.gguf"), ORIGINAL);
        int opened = 0;
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            for (int c = 0; c < cases; c++) {
                int n = 1 + random.nextInt(maxBytes);
                int[] positions = new int[n];
                StringBuilder what = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    // header fields are few bytes but decide everything: aim a quarter of the flips there
                    positions[i] = random.nextInt(4) == 0 ? random.nextInt(24) : random.nextInt(DATA_OFFSET);
                    byte b = maxBytes == 1 ? (byte) (ORIGINAL[positions[i]] ^ (1 << random.nextInt(8))) : (byte) random.nextInt();
                    ch.write(ByteBuffer.wrap(new byte[] {b}), positions[i]);
                    what.append(positions[i]).append("=").append(b).append(' ');
                }
                if (openAndTouchAll(copy, what.toString())) opened++;
                for (int p : positions) ch.write(ByteBuffer.wrap(new byte[] {ORIGINAL[p]}), p);
            }
        }
        // most flips land in token strings and scores, which stay valid
        assertThat(opened).isBetween(1, cases - 1);
    }

    /** True if the file opened; then every tensor's data must be readable from end to end. */
    static boolean openAndTouchAll(Path file, String what) {
        try (GgufFile g = GgufFile.open(file)) {
            for (GgufTensorInfo t : g.tensors()) {
                var data = g.tensorData(t);
                if (data.byteSize() > 0) data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                t.rows();
                t.cols();
            }
            return true;
        } catch (ModelFormatException e) {
            if (!e.getMessage().contains(file.getFileName().toString()) || e.getMessage().contains("internal parse error")) {
                throw new AssertionError("corruption " + what + ": unexpected message: " + e.getMessage(), e);
            }
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("corruption " + what + " escaped as " + e, e);
        }
    }
}
