package dev.kvasir.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.io.Serial;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava set up to behave like the jinja2 environment Hugging Face renders chat templates in
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} plus HF's
 * {@code tojson}, {@code raise_exception} and {@code strftime_now}). See {@link ChatTemplate}
 * for what is and is not covered.
 */
final class JinjaEngine {
    private JinjaEngine() {}

    /** Python {@code str} methods first, then Jinjava's usual read-only chain. */
    private static final ELResolver RESOLVER = new CompositeELResolver() {
        {
            add(new PyMethods());
            add(new ArrayELResolver(true));
            add(new JinjavaListELResolver(true));
            add(new TypeConvertingMapELResolver(true));
            add(new JinjavaBeanELResolver(true));
        }
    };

    private static final InterpreterFactory INTERPRETERS = new InterpreterFactory() {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PyInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
            return new PyInterpreter(application, context, config);
        }
    };

    private static final Jinjava JINJAVA = createJinjava();

    private static Jinjava createJinjava() {
        Jinjava jinjava = new PyJinjava(config(Clock.systemDefaultZone()));
        // Templates come from model files: they get no file or classpath access.
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new ResourceNotFoundException("chat templates cannot load other templates: " + name);
        });
        Context globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaEngine.class, "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaEngine.class, "strftimeNow", String.class));
        globals.registerFilter(new ToJsonFilter());
        globals.registerFilter(new TrimFilter());
        globals.registerFilter(new RoundFilter());
        globals.registerTag(new GenerationTag());
        return jinjava;
    }

    /** Jinjava whose expressions are parsed by {@link PyExpressionParser}. */
    private static final class PyJinjava extends Jinjava {
        private final ExpressionFactory expressions = PyExpressionParser.expressionFactory();

        PyJinjava(JinjavaConfig config) { super(config); }

        @Override
        public ExpressionFactory getExpressionFactory() { return expressions; }
    }

    /** A render configuration; the clock feeds {@code strftime_now}. */
    static JinjavaConfig config(Clock clock) {
        return JinjavaConfig.newBuilder()
                // Whitespace control is resolved by JinjaSource before Jinjava sees the template.
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseNaturalOperatorPrecedence(true)          // `a + b | trim` filters b only, as in Jinja2
                        .withUsePyishObjectMapper(true)                  // lists and dicts print as Python reprs
                        .withKeepNullableLoopValues(true)
                        .withEvaluateMapKeys(true)                       // {key: v} uses the variable key, as in Jinja2
                        .build())
                .withElResolver(RESOLVER)
                .withInterperterFactory(INTERPRETERS)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withMaxOutputSize(64L << 20)
                .build();
    }

    static String render(String preparedSource, Map<String, Object> bindings, JinjavaConfig config) {
        RenderResult result = JINJAVA.renderForResult(preparedSource, bindings, config);
        // Render warnings are Python's forgiving Undefined (a missing attribute renders as ""), not errors.
        failOnErrors(result.getErrors(), "render", false);
        return result.getOutput();
    }

    /**
     * Parses the template to report unknown tags and broken block structure when the template is
     * loaded rather than at the first render. (Expressions are only parsed when evaluated.)
     */
    static void checkSyntax(String preparedSource, JinjavaConfig config) {
        JinjavaInterpreter interpreter = INTERPRETERS.newInstance(JINJAVA, new Context(JINJAVA.getGlobalContext()), config);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            interpreter.parse(preparedSource);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        // Parse warnings (a stray end tag, say) are syntax errors in jinja2.
        failOnErrors(interpreter.getErrors(), "parse", true);
    }

    private static void failOnErrors(List<TemplateError> errors, String action, boolean warningsToo) {
        List<TemplateError> fatal = new ArrayList<>();
        for (TemplateError e : errors) {
            RaisedException raised = raised(e.getException());
            if (raised != null) throw new ChatTemplateException(raised.getMessage(), true, raised);
            if (warningsToo || e.getSeverity() == TemplateError.ErrorType.FATAL) fatal.add(e);
        }
        if (fatal.isEmpty()) return;
        StringBuilder message = new StringBuilder("chat template failed to " + action + ":");
        for (TemplateError e : fatal) {
            message.append("\n  line ").append(e.getLineno()).append(": ").append(e.getMessage());
        }
        throw new ChatTemplateException(message.toString(), false, fatal.getFirst().getException());
    }

    private static RaisedException raised(Throwable t) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof RaisedException r) return r;
        }
        return null;
    }

    // ---- functions ------------------------------------------------------------------------

    /** Thrown by {@code raise_exception}; Jinjava records it as an error, found again in {@link #failOnErrors}. */
    static final class RaisedException extends RuntimeException {
        @Serial private static final long serialVersionUID = 1L;

        RaisedException(String message) { super(message); }
    }

    @SuppressWarnings("unused") // called by templates
    static Object raiseException(Object message) {
        throw new RaisedException(String.valueOf(message));
    }

    @SuppressWarnings("unused") // called by templates
    static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return Strftime.format(LocalDateTime.ofInstant(now, config.getTimeZone()), format);
    }

    // ---- filters, tags, output ------------------------------------------------------------

    /** HF's {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    static final class ToJsonFilter implements Filter {
        @Override
        public String getName() { return "tojson"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object ensureAscii = arg(args, kwargs, 0, "ensure_ascii");
            Object indent = arg(args, kwargs, 1, "indent");
            Object separators = arg(args, kwargs, 2, "separators");
            Object sortKeys = arg(args, kwargs, 3, "sort_keys");
            List<String> seps = null;
            if (separators != null) {
                seps = new ArrayList<>();
                Iterable<?> items = separators instanceof Object[] a ? List.of(a) : (Collection<?>) separators;
                for (Object o : items) seps.add(String.valueOf(o));
            }
            return PyJson.dumps(var, truthy(ensureAscii), indent == null ? null : ((Number) indent).intValue(), seps, truthy(sortKeys));
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        private static Object arg(Object[] args, Map<String, Object> kwargs, int position, String name) {
            if (kwargs.containsKey(name)) return kwargs.get(name);
            return args != null && position < args.length ? args[position] : null;
        }

        private static boolean truthy(Object o) {
            return o instanceof Boolean b ? b : o instanceof Number n ? n.doubleValue() != 0 : o != null;
        }
    }

    /** jinja2's {@code trim(value, chars=None)}: Python {@code str.strip}, so Unicode spaces go too. */
    static final class TrimFilter implements Filter {
        @Override
        public String getName() { return "trim"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = kwargs.containsKey("chars") ? kwargs.get("chars") : args != null && args.length > 0 ? args[0] : null;
            return PyMethods.strip(interpreter.getAsString(var), chars == null ? null : String.valueOf(chars), true, true);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /**
     * jinja2's {@code round(value, precision=0, method='common')}: Python's {@code round} (half to
     * even on the exact binary value, an int stays an int) or math.ceil/floor, giving a float.
     */
    static final class RoundFilter implements Filter {
        @Override
        public String getName() { return "round"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object p = kwargs.containsKey("precision") ? kwargs.get("precision") : args != null && args.length > 0 ? args[0] : 0L;
            Object m = kwargs.containsKey("method") ? kwargs.get("method") : args != null && args.length > 1 ? args[1] : "common";
            int precision = ((Number) p).intValue();
            String method = String.valueOf(m);
            Number value = var instanceof Number n ? n : Double.valueOf(String.valueOf(var).trim());
            boolean integral = value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte;
            return switch (method) {
                case "common" -> integral && precision >= 0 ? value
                        : new BigDecimal(value.doubleValue()).setScale(precision, RoundingMode.HALF_EVEN).doubleValue();
                case "ceil" -> Math.ceil(value.doubleValue() * Math.pow(10, precision)) / Math.pow(10, precision);
                case "floor" -> Math.floor(value.doubleValue() * Math.pow(10, precision)) / Math.pow(10, precision);
                default -> throw new IllegalArgumentException("method must be common, ceil or floor, got " + method);
            };
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }
    }

    /**
     * HF's {@code {% generation %}...{% endgeneration %}} marks assistant text for training masks;
     * for rendering it is transparent. Like jinja2's call block, its body gets its own scope.
     */
    static final class GenerationTag implements Tag {
        @Serial private static final long serialVersionUID = 1L;

        @Override
        public String getName() { return "generation"; }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            try (var scope = interpreter.enterScope()) {
                for (Node child : tagNode.getChildren()) out.append(child.render(interpreter).getValue());
            }
            return out.toString();
        }
    }

    /** Prints booleans as Python does ({@code True}/{@code False}); everything else as Jinjava's pyish output. */
    static final class PyInterpreter extends JinjavaInterpreter {
        PyInterpreter(Jinjava application, Context context, JinjavaConfig config) { super(application, context, config); }

        PyInterpreter(JinjavaInterpreter orig) { super(orig); }

        @Override
        public String getAsString(Object object) {
            if (object instanceof Boolean b) return b ? "True" : "False";
            return super.getAsString(object);
        }
    }
}
