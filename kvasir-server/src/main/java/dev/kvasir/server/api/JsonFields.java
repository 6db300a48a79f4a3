package dev.kvasir.server.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoublePredicate;

/**
 * Typed, validated reads of one JSON object's fields. Every failure is a 400 whose message and
 * {@code param} name the field by its dotted path ({@code kv_compression.budget}), what was
 * expected and what came. Absent fields and JSON null read as "not given".
 */
final class JsonFields {
    private final JsonNode node;
    private final String prefix;

    private JsonFields(JsonNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    /** The request body, which must be a JSON object. */
    static JsonFields body(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw ApiException.invalid(null, "invalid_request_body", "the request body must be a JSON object, got " + describe(node));
        }
        return new JsonFields(node, "");
    }

    /** Dotted path of a field, for messages and {@code param}. */
    String path(String name) {
        return prefix + name;
    }

    boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    JsonNode raw(String name) {
        JsonNode v = node.get(name);
        return v == null || v.isNull() ? null : v;
    }

    /** A nested object, or null when absent. */
    JsonFields object(String name) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isObject()) throw wrongType(name, "an object", v);
        return new JsonFields(v, path(name) + ".");
    }

    /** An array of objects, each with its indexed path ({@code methods[1].budget}), or null when absent. */
    List<JsonFields> objects(String name) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isArray()) throw wrongType(name, "an array of objects", v);
        List<JsonFields> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            String at = path(name) + "[" + i + "]";
            if (!v.get(i).isObject()) throw ApiException.invalid(at, "invalid_type", "'" + at + "' must be an object, got " + describe(v.get(i)));
            out.add(new JsonFields(v.get(i), at + "."));
        }
        return out;
    }

    Iterable<String> fieldNames() {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    String string(String name) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isTextual()) throw wrongType(name, "a string", v);
        return v.textValue();
    }

    String requiredString(String name) {
        String s = string(name);
        if (s == null) throw missing(name);
        return s;
    }

    Boolean bool(String name) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isBoolean()) throw wrongType(name, "a boolean", v);
        return v.booleanValue();
    }

    /** An integer in [min, max], or null. 3.0 counts as an integer, "3" does not. */
    Long integer(String name, long min, long max) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isNumber() || !(v.isIntegralNumber() || v.canConvertToExactIntegral()) || !v.canConvertToLong()) {
            throw wrongType(name, "an integer", v);
        }
        long x = v.asLong();
        if (x < min || x > max) {
            String range = max == Long.MAX_VALUE ? ">= " + min : "in [" + min + ", " + max + "]";
            throw ApiException.invalid(path(name), "invalid_value", "'" + path(name) + "' must be " + range + ", got " + x);
        }
        return x;
    }

    /** A number satisfying {@code valid} (described by {@code rangeText}, e.g. "in (0, 1]"), or null. */
    Double number(String name, DoublePredicate valid, String rangeText) {
        JsonNode v = raw(name);
        if (v == null) return null;
        if (!v.isNumber()) throw wrongType(name, "a number", v);
        double x = v.asDouble();
        if (!valid.test(x)) {
            throw ApiException.invalid(path(name), "invalid_value", "'" + path(name) + "' must be " + rangeText + ", got " + v.asText());
        }
        return x;
    }

    ApiException missing(String name) {
        return ApiException.invalid(path(name), "missing_required_parameter", "'" + path(name) + "' is required");
    }

    ApiException wrongType(String name, String expected, JsonNode got) {
        return ApiException.invalid(path(name), "invalid_type", "'" + path(name) + "' must be " + expected + ", got " + describe(got));
    }

    /** "a string", "an array", ... for messages. */
    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) return "nothing";
        if (v.isNull()) return "null";
        if (v.isTextual()) return "a string";
        if (v.isBoolean()) return "a boolean";
        if (v.isNumber()) return "a number (" + v.asText() + ")";
        if (v.isArray()) return "an array";
        if (v.isObject()) return "an object";
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }
}
