package dev.kvasir.core.tokenizer;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal GGUF metadata reader for the tokenizer tests, standing in until the project's GGUF
 * parser lands; it gives values in the same Java types (Long, Float, Boolean, String,
 * String[], int[], long[], float[]). Tensor data is never read.
 */
final class GgufMetadataReader {
    private final DataInputStream in;

    private GgufMetadataReader(InputStream in) {
        this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    }

    static Map<String, Object> read(Path path) throws IOException {
        try (InputStream raw = Files.newInputStream(path)) {
            return new GgufMetadataReader(raw).readAll();
        }
    }

    private Map<String, Object> readAll() throws IOException {
        if (i32() != 0x46554747) throw new IOException("not a GGUF file");
        int version = i32();
        if (version < 2) throw new IOException("GGUF version " + version + " not supported");
        i64(); // tensor count
        long kvCount = i64();
        Map<String, Object> out = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string();
            out.put(key, value(i32()));
        }
        return out;
    }

    private Object value(int type) throws IOException {
        return switch (type) {
            case 0 -> (long) in.readUnsignedByte();
            case 1 -> (long) in.readByte();
            case 2 -> (long) Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            case 3 -> (long) Short.reverseBytes(in.readShort());
            case 4 -> Integer.toUnsignedLong(i32());
            case 5 -> (long) i32();
            case 6 -> Float.intBitsToFloat(i32());
            case 7 -> in.readByte() != 0;
            case 8 -> string();
            case 9 -> array();
            case 10, 11 -> i64();
            case 12 -> Double.longBitsToDouble(i64());
            default -> throw new IOException("unknown GGUF value type " + type);
        };
    }

    private Object array() throws IOException {
        int type = i32();
        int n = Math.toIntExact(i64());
        return switch (type) {
            case 8 -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) a[i] = string();
                yield a;
            }
            case 6 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(i32());
                yield a;
            }
            case 0, 1, 2, 3, 5 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) a[i] = (int) (long) (Long) value(type);
                yield a;
            }
            case 4, 10, 11 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) a[i] = (Long) value(type);
                yield a;
            }
            default -> {
                Object[] a = new Object[n];
                for (int i = 0; i < n; i++) a[i] = value(type);
                yield a;
            }
        };
    }

    private String string() throws IOException {
        int n = Math.toIntExact(i64());
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private int i32() throws IOException {
        return Integer.reverseBytes(in.readInt());
    }

    private long i64() throws IOException {
        try {
            return Long.reverseBytes(in.readLong());
        } catch (EOFException e) {
            throw new IOException("truncated GGUF header", e);
        }
    }
}
