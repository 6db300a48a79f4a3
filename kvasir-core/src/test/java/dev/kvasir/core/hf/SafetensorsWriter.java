package dev.kvasir.core.hf;

import dev.kvasir.core.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes small safetensors files for tests: valid by default, malformed through
 * {@link #rawEntry} and {@link #file}.
 */
public final class SafetensorsWriter {
    private final List<String> entries = new ArrayList<>();
    private final List<String> metadata = new ArrayList<>();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    public SafetensorsWriter add(String name, String dtype, long[] shape, byte[] bytes) {
        long begin = data.size();
        data.writeBytes(bytes);
        return rawEntry(name, "{\"dtype\":" + Json.quote(dtype) + ",\"shape\":" + list(shape)
                + ",\"data_offsets\":[" + begin + "," + data.size() + "]}");
    }

    public SafetensorsWriter addF32(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return add(name, "F32", shape, b.array());
    }

    /** A header entry with any JSON value; no data is added. */
    public SafetensorsWriter rawEntry(String name, String json) {
        entries.add(Json.quote(name) + ":" + json);
        return this;
    }

    /** Appends data bytes not owned by any entry (for raw entries). */
    public SafetensorsWriter rawData(byte[] bytes) {
        data.writeBytes(bytes);
        return this;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.add(Json.quote(key) + ":" + Json.quote(value));
        return this;
    }

    public String header() {
        List<String> all = new ArrayList<>();
        if (!metadata.isEmpty()) all.add("\"__metadata__\":{" + String.join(",", metadata) + "}");
        all.addAll(entries);
        return "{" + String.join(",", all) + "}";
    }

    public byte[] toBytes() {
        return file(header(), data.toByteArray());
    }

    public Path write(Path file) {
        try {
            return Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file from a header text and data, padding the header with spaces to 8 bytes as the reference writer does. */
    public static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        return b.put(data).array();
    }

    private static String list(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]"));
    }
}
