package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;
import dev.kvasir.core.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Malformed safetensors files are refused with a ModelFormatException naming the file and the tensor. */
class SafetensorsMalformedTest {
    @TempDir
    Path dir;

    private ModelFormatException refused(byte[] bytes) throws IOException {
        return refused(Files.write(dir.resolve("bad.safetensors"), bytes));
    }

    private static ModelFormatException refused(Path file) {
        Throwable t = catchThrowable(() -> SafetensorsFile.open(file).close());
        assertThat(t).isInstanceOf(ModelFormatException.class).hasMessageContaining(file.getFileName().toString())
                .hasMessageNotContaining("internal parse error");
        return (ModelFormatException) t;
    }

    private static byte[] withEntry(String json, int dataBytes) {
        return new SafetensorsWriter().rawEntry("w", json).rawData(new byte[dataBytes]).toBytes();
    }

    @Test
    void emptyShortMissingAndDirectory() throws IOException {
        assertThat(refused(new byte[0])).hasMessageContaining("header_length").hasMessageContaining("truncated");
        assertThat(refused(new byte[7])).hasMessageContaining("truncated");
        assertThat(refused(dir)).hasMessageContaining("is a directory");
        assertThat(refused(dir.resolve("absent.safetensors"))).hasMessageContaining("no such file");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] bytes = new SafetensorsWriter().addF32("w", new float[2], 2).toBytes();
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        ModelFormatException e = refused(bytes);
        assertThat(e.field()).isEqualTo("header_length");
        assertThat(e.offset()).isZero();
        assertThat(e).hasMessageContaining("header length 1099511627776 exceeds");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        assertThat(refused(bytes)).hasMessageContaining("18446744073709551615");
    }

    @Test
    void invalidJson() throws IOException {
        assertThat(refused(SafetensorsWriter.file("{\"w\":", new byte[0])))
                .hasMessageContaining("'header'").hasMessageContaining("invalid JSON");
        assertThat(refused(SafetensorsWriter.file("[1,2]", new byte[0]))).hasMessageContaining("not a JSON object");
    }

    @Test
    void badEntries() throws IOException {
        assertThat(refused(withEntry("3", 0))).hasMessageContaining("'w'").hasMessageContaining("expected an object");
        assertThat(refused(withEntry("{\"shape\":[1],\"data_offsets\":[0,4]}", 4))).hasMessageContaining("dtype");
        assertThat(refused(withEntry("{\"dtype\":\"Q9\",\"shape\":[1],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("unknown dtype 'Q9'");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("shape[0] is -1");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("shape[0]");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("shape");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}", 4)))
                .hasMessageContaining("data_offsets has 1 entries, expected 2");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}", 4)))
                .hasMessageContaining("backwards");
    }

    @Test
    void hugeShapes() throws IOException {
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("too large");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[1,4294967296],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("too large");
        assertThat(refused(withEntry("{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("'w'");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}", 4)))
                .hasMessageContaining("shape[0]");
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        ModelFormatException e = refused(withEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 4));
        assertThat(e.field()).isEqualTo("w");
        assertThat(e).hasMessageContaining("extend past the 4 bytes of the data section");
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[900000000000000000,900000000000000008]}", 4)))
                .hasMessageContaining("past");
    }

    @Test
    void sizeDoesNotMatchTheShape() throws IOException {
        assertThat(refused(withEntry("{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}", 8)))
                .hasMessageContaining("hold 8 bytes but shape and dtype F32 need 12");
    }

    @Test
    void overlappingTensors() throws IOException {
        byte[] bytes = new SafetensorsWriter()
                .rawEntry("a", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}")
                .rawEntry("b", "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}")
                .rawData(new byte[12]).toBytes();
        assertThat(refused(bytes)).hasMessageContaining("'b'").hasMessageContaining("overlaps tensor a");
    }

    @Test
    void everyTruncationOfTinyStoriesIsRefused() throws IOException {
        byte[] original = Files.readAllBytes(TestResources.tinystories656k().resolve("model.safetensors"));
        int dataOffset = 8 + 2160;
        Path copy = Files.write(dir.resolve("cut.safetensors"), original);
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            for (long length = original.length - 1; length > dataOffset; length -= 1009) {
                ch.truncate(length);
                refused(copy);
            }
            for (long length = dataOffset; length >= 0; length--) {
                ch.truncate(length);
                refused(copy);
            }
        }
    }

    @Test
    void corruptedHeadersAreRefusedOrRead() throws IOException {
        byte[] original = Files.readAllBytes(TestResources.tinystories656k().resolve("model.safetensors"));
        int headerEnd = 8 + 2160;
        Path copy = Files.write(dir.resolve("flipped.safetensors"), original);
        Random random = new Random(42);
        int opened = 0;
        int cases = 800;
        try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
            for (int c = 0; c < cases; c++) {
                int n = 1 + random.nextInt(c % 2 == 0 ? 1 : 6);
                int[] positions = new int[n];
                for (int i = 0; i < n; i++) {
                    positions[i] = random.nextInt(8) == 0 ? random.nextInt(8) : random.nextInt(headerEnd);
                    byte b = n == 1 ? (byte) (original[positions[i]] ^ (1 << random.nextInt(8))) : (byte) random.nextInt();
                    ch.write(ByteBuffer.wrap(new byte[] {b}), positions[i]);
                }
                if (openOrRefuse(copy)) opened++;
                for (int p : positions) ch.write(ByteBuffer.wrap(new byte[] {original[p]}), p);
            }
        }
        assertThat(opened).isBetween(1, cases - 1);
    }

    private static boolean openOrRefuse(Path file) {
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            for (SafetensorsTensor t : st.tensors()) {
                var data = st.data(t);
                if (data.byteSize() > 0) data.get(ValueLayout.JAVA_BYTE, data.byteSize() - 1);
                assertThat((long) t.rows() * t.cols()).isEqualTo(t.elements());
            }
            return true;
        } catch (ModelFormatException e) {
            assertThat(e).hasMessageContaining(file.getFileName().toString()).hasMessageNotContaining("internal parse error");
            return false;
        }
    }
}
