package dev.kvasir.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.StringConcatOperator;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import java.io.Serial;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionHandler;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionPoint;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava's expression parser with the Jinja2 rules it gets wrong: keyword arguments (Jinjava
 * parses {@code name=value} as a binary operator at the level of {@code +}, so
 * {@code namespace(last=messages|length - 1)} in Qwen3's template became
 * {@code (last=messages|length) - 1}; here the value is a whole expression), the precedence of
 * {@code not}, {@code ~} on non-strings, and slices of strings.
 */
final class PyExpressionParser extends ExtendedParser {

    PyExpressionParser(Builder context, String input) {
        super(context, input);
        putExtensionHandler(StringConcatOperator.TOKEN, new ExtensionHandler(ExtensionPoint.ADD) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                return new AstBinary(children[0], children[1], CONCAT);
            }
        });
    }

    /** {@code a ~ b} joins Python {@code str()}s: {@code 'x' ~ true} is {@code xTrue}. */
    private static final AstBinary.SimpleOperator CONCAT = new AstBinary.SimpleOperator() {
        @Override
        protected Object apply(TypeConverter converter, Object a, Object b) {
            return str(a) + str(b);
        }

        @Override
        public String toString() { return "~"; }
    };

    private static String str(Object o) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        return interpreter != null ? interpreter.getAsString(o) : String.valueOf(o);
    }

    @Override
    protected AstRangeBracket createAstRangeBracket(AstNode base, AstNode start, AstNode end, boolean lvalue, boolean strict) {
        return new PySlice(base, start, end, lvalue, strict);
    }

    /**
     * {@code x[start:end]} with Python's rules: negative bounds count from the end, bounds are
     * clamped, strings are sliced by code point (Jinjava slices UTF-16 units and can split an emoji).
     */
    static final class PySlice extends AstRangeBracket {
        PySlice(AstNode base, AstNode start, AstNode end, boolean lvalue, boolean strict) {
            super(base, start, end, lvalue, strict, false);
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) throw new ELException("cannot slice None/undefined: " + prefix);
            List<Object> items = new ArrayList<>();
            boolean string = base instanceof String;
            if (base instanceof String str) str.codePoints().forEach(cp -> items.add(Character.toString(cp)));
            else if (base instanceof Iterable<?> iterable) iterable.forEach(items::add);
            else if (base instanceof Object[] array) items.addAll(Arrays.asList(array));
            else throw new ELException("cannot slice " + base.getClass().getSimpleName() + ": " + prefix);
            int n = items.size();
            int from = bound(property, bindings, context, 0, n);
            int to = bound(rangeMax, bindings, context, n, n);
            List<Object> slice = from < to ? items.subList(from, to) : List.of();
            return string ? String.join("", slice.stream().map(String.class::cast).toList()) : new PyList(new ArrayList<>(slice));
        }

        private static int bound(AstNode node, Bindings bindings, ELContext context, int absent, int n) {
            Object v = node == null ? null : node.eval(bindings, context);
            if (v == null) return absent;
            if (!(v instanceof Number number)) throw new ELException("slice indices must be integers, got " + v);
            int i = number.intValue();
            if (i < 0) i += n;
            return Math.clamp(i, 0, n);
        }
    }

    /**
     * An expression factory whose trees come from this parser, set up as Jinjava's own: JUEL's
     * default (JEE6) features, which allow method calls, and Jinjava's truthiness converter.
     */
    static ExpressionFactory expressionFactory() {
        SyntaxBuilder builder = new SyntaxBuilder(Builder.Feature.METHOD_INVOCATIONS, Builder.Feature.VARARGS);
        return new ExpressionFactoryImpl(new TreeStore(builder, new Cache(1000)), new TruthyTypeConverter());
    }

    /**
     * Jinja2's {@code not} binds looser than comparisons, {@code in} and tests ({@code not x is
     * defined} is {@code not (x is defined)}); JUEL's binds tighter than anything. So {@code and}
     * operands go through {@link #not} instead of straight to equality.
     */
    @Override
    protected AstNode and(boolean required) throws Scanner.ScanException, Parser.ParseException {
        AstNode v = not(required);
        if (v == null) return null;
        while (true) {
            Scanner.Token token = getToken();
            if (token.getSymbol() == Scanner.Symbol.AND) {
                consumeToken();
                v = createAstBinary(v, not(true), AstBinary.AND);
            } else if (token.getSymbol() == Scanner.Symbol.EXTENSION
                    && getExtensionHandler(token).getExtensionPoint() == ExtensionPoint.AND) {
                v = getExtensionHandler(consumeToken()).createAstNode(v, not(true));
            } else {
                return v;
            }
        }
    }

    private AstNode not(boolean required) throws Scanner.ScanException, Parser.ParseException {
        if (getToken().getSymbol() == Scanner.Symbol.NOT) {
            consumeToken();
            return createAstUnary(not(true), AstUnary.NOT);
        }
        return eq(required);
    }

    @Override
    protected AstParameters params(Scanner.Symbol left, Scanner.Symbol right) throws Scanner.ScanException, Parser.ParseException {
        consumeToken(left);
        List<AstNode> list = new ArrayList<>();
        AstNode v = parameter(false);
        if (v != null) {
            list.add(v);
            while (getToken().getSymbol() == Scanner.Symbol.COMMA) {
                consumeToken();
                list.add(parameter(true));
            }
        }
        consumeToken(right);
        return createAstParameters(list);
    }

    private AstNode parameter(boolean required) throws Scanner.ScanException, Parser.ParseException {
        if (getToken().getSymbol() == Scanner.Symbol.IDENTIFIER) {
            Scanner.Token next = lookahead(0);
            if (next.getSymbol() == Scanner.Symbol.EXTENSION && "=".equals(next.getImage())) {
                String name = consumeToken().getImage();
                consumeToken(); // '='
                return new AstNamedParameter(identifier(name), expr(true));
            }
        }
        return expr(required);
    }

    static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        @Serial private static final long serialVersionUID = 1L;

        SyntaxBuilder(Feature... features) { super(features); }

        @Override
        protected Parser createParser(String expression) {
            return new PyExpressionParser(this, expression);
        }
    }
}
