package dev.kvasir.core.hf;

import dev.kvasir.core.ModelFormatException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Typed access to config.json fields; every problem names the file and the field. A JSON null counts as absent. */
final class ConfigFields {
    private static final double DEFAULT_ROPE_THETA = 10000.0;

    private final Map<String, Object> json;
    private final Path source;

    ConfigFields(Map<String, Object> json, Path source) {
        this.json = json;
        this.source = source;
    }

    ModelFormatException error(String field, String problem) {
        return new ModelFormatException(source, field, -1, problem);
    }

    private Object required(String field) {
        Object v = json.get(field);
        if (v == null) throw error(field, "missing required field");
        return v;
    }

    String string(String field) {
        Object v = required(field);
        if (v instanceof String s) return s;
        throw error(field, "expected a string, found " + v);
    }

    String optionalString(String field, String dflt) {
        Object v = json.get(field);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw error(field, "expected a string, found " + v);
    }

    List<String> stringList(String field) {
        Object v = json.get(field);
        if (v == null) return List.of();
        if (!(v instanceof List<?> list)) throw error(field, "expected a list of strings, found " + v);
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) throw error(field, "expected a list of strings, found element " + o);
            out.add(s);
        }
        return List.copyOf(out);
    }

    int positiveInt(String field) {
        return toPositiveInt(field, required(field));
    }

    int optionalPositiveInt(String field, int dflt) {
        Object v = json.get(field);
        return v == null ? dflt : toPositiveInt(field, v);
    }

    private int toPositiveInt(String field, Object v) {
        if (!(v instanceof Long l)) throw error(field, "expected an integer, found " + v);
        if (l <= 0 || l > Integer.MAX_VALUE) throw error(field, "expected a positive 32-bit integer, found " + l);
        return (int) (long) l;
    }

    double positiveDouble(String field) {
        Object v = required(field);
        if (!(v instanceof Number n)) throw error(field, "expected a number, found " + v);
        double d = n.doubleValue();
        if (!(d > 0) || Double.isInfinite(d)) throw error(field, "expected a positive number, found " + v);
        return d;
    }

    boolean optionalBoolean(String field, boolean dflt) {
        Object v = json.get(field);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw error(field, "expected true or false, found " + v);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> objectOrNull(String field) {
        Object v = json.get(field);
        if (v == null) return null;
        if (v instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw error(field, "expected an object or null, found " + v);
    }

    /** rope_theta, or rope_parameters.rope_theta as newer transformers write it, or 10000. */
    double ropeTheta() {
        if (json.get("rope_theta") != null) return positiveDouble("rope_theta");
        Map<String, Object> params = objectOrNull("rope_parameters");
        if (params != null && params.get("rope_theta") != null) {
            return new ConfigFields(params, source).positiveDouble("rope_theta");
        }
        return DEFAULT_ROPE_THETA;
    }

    int optionalTokenId(String field) {
        Object v = json.get(field);
        return v == null ? -1 : tokenId(field, v);
    }

    /** One token id or a list of them. */
    int[] tokenIds(String field) {
        Object v = json.get(field);
        if (v == null) return new int[0];
        if (!(v instanceof List<?> list)) return new int[] {tokenId(field, v)};
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = tokenId(field, list.get(i));
        return ids;
    }

    private int tokenId(String field, Object v) {
        if (!(v instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
            throw error(field, "expected a token id (a non-negative integer) or a list of them, found " + v);
        }
        return (int) (long) l;
    }
}
