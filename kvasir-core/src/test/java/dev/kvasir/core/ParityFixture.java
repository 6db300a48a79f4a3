package dev.kvasir.core;

import dev.kvasir.core.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A fixture of {@code src/test/resources/parity/}, written by the independent Python references of
 * {@code tools/reference/} (regenerate with {@code python3 tools/reference/make_fixtures.py}).
 */
public final class ParityFixture {
    private final Map<String, Object> doc;

    private ParityFixture(Map<String, Object> doc) {
        this.doc = doc;
    }

    public static ParityFixture load(String name) {
        String path = "/parity/" + name;
        try (InputStream in = ParityFixture.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing test resource " + path + " (python3 tools/reference/make_fixtures.py writes it)");
            return new ParityFixture(Json.asObject(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), path), path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, Object> root() { return doc; }

    public Map<String, Object> object(String key) { return Json.asObject(doc.get(key), key); }

    public List<Object> array(String key) { return Json.asArray(doc.get(key), key); }

    public static Map<String, Object> object(Object v) { return Json.asObject(v, "fixture object"); }

    public static List<Object> array(Object v) { return Json.asArray(v, "fixture array"); }

    public static int integer(Map<String, Object> o, String key) { return (int) Json.asLong(o.get(key), key); }

    public static double real(Map<String, Object> o, String key) { return Json.asDouble(o.get(key), key); }

    public static int[] ints(Object v) {
        List<Object> a = array(v);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (int) Json.asLong(a.get(i), "fixture int");
        return out;
    }

    /** Shape of a base64 float32 array ({shape, dtype, byteorder, data}). */
    public static int[] shape(Object v) { return ints(object(v).get("shape")); }

    /** The values of a base64 float32 array, flat, row-major. */
    public static float[] floats(Object v) {
        Map<String, Object> o = object(v);
        if (!"float32".equals(o.get("dtype")) || !"little".equals(o.get("byteorder")))
            throw new IllegalStateException("expected little-endian float32, got " + o.get("dtype") + "/" + o.get("byteorder"));
        byte[] bytes = Base64.getDecoder().decode(Json.asString(o.get("data"), "data"));
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
