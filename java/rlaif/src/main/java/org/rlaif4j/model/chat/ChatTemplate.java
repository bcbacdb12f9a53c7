package org.rlaif4j.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import org.rlaif4j.model.PromptFormat;

/**
 * A checkpoint's chat template, rendered as Hugging Face's {@code apply_chat_template} does: Jinja
 * with {@code trim_blocks} and {@code lstrip_blocks}, one trailing newline of the template dropped,
 * the tokenizer's special-token strings ({@code bos_token}, {@code eos_token}, ...) and the caller's
 * keyword arguments as variables, {@code raise_exception} and {@code strftime_now} as functions,
 * Python's {@code tojson} and string methods, and the {@code {% generation %}} block of
 * assistant-mask templates.
 *
 * <p>Rendering is done by jinjava; the Python-isms it lacks are added here (string and dict methods,
 * {@code [::-1]}) rather than patched into templates by hand.
 */
public final class ChatTemplate implements PromptFormat.ChatRenderer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String template;
    private final Map<String, Object> specialTokens;
    private final Jinjava jinjava;

    /**
     * @param source        where the template came from, for error messages (a file, and the key)
     * @param template      the Jinja source
     * @param specialTokens {@code bos_token} and the like, as strings
     */
    public ChatTemplate(String source, String template, Map<String, Object> specialTokens) {
        this.source = source;
        this.template = ExpressionRewriter.rewrite(template.endsWith("\n") ? template.substring(0, template.length() - 1) : template);
        this.specialTokens = Map.copyOf(specialTokens);
        this.jinjava = engine();
        RenderResult probe = jinjava.renderForResult(this.template, Map.of("messages", List.of()));
        // syntax errors show without data; errors that depend on the messages wait for render
        for (TemplateError e : probe.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL && e.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                throw error(e);
            }
        }
    }

    /**
     * The chat template of the checkpoint folder {@code dir}: {@code chat_template.jinja}, else
     * {@code chat_template} in {@code tokenizer_config.json} (a string, or a list of named templates
     * of which {@code default} is taken), else {@code chat_template.json}; null when it has none.
     */
    public static ChatTemplate load(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        JsonNode tc = readJson(config);
        Map<String, Object> specials = specialTokens(tc);
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return new ChatTemplate(jinja.toString(), Files.readString(jinja, StandardCharsets.UTF_8), specials);
            } catch (IOException e) {
                throw new ChatTemplateException(jinja + ": cannot read: " + e.getMessage());
            }
        }
        if (tc != null && tc.has("chat_template")) {
            return new ChatTemplate(config + " (chat_template)", templateText(config, tc.get("chat_template")), specials);
        }
        Path legacy = dir.resolve("chat_template.json");
        JsonNode ct = readJson(legacy);
        if (ct != null && ct.has("chat_template")) {
            return new ChatTemplate(legacy + " (chat_template)", templateText(legacy, ct.get("chat_template")), specials);
        }
        return null;
    }

    /** A template from a file of Jinja, with the special tokens of {@code checkpoint} (may be null). */
    public static ChatTemplate fromFile(Path file, Path checkpoint) {
        Map<String, Object> specials = checkpoint == null ? Map.of()
                : specialTokens(readJson(checkpoint.resolve("tokenizer_config.json")));
        try {
            return new ChatTemplate(file.toString(), Files.readString(file, StandardCharsets.UTF_8), specials);
        } catch (IOException e) {
            throw new ChatTemplateException(file + ": cannot read the chat template: " + e.getMessage());
        }
    }

    /** The {@code *_token} strings of a tokenizer_config.json (plain, or {@code {"content": ...}}); none for null. */
    private static Map<String, Object> specialTokens(JsonNode tc) {
        Map<String, Object> specials = new LinkedHashMap<>();
        if (tc != null) {
            tc.fields().forEachRemaining(e -> {
                if (e.getKey().endsWith("_token")) {
                    JsonNode v = e.getValue().isObject() ? e.getValue().path("content") : e.getValue();
                    if (v.isTextual()) {
                        specials.put(e.getKey(), v.asText());
                    }
                }
            });
        }
        return specials;
    }

    private static String templateText(Path file, JsonNode t) {
        if (t.isTextual()) {
            return t.asText();
        }
        if (t.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : t) {
                names.add(named.path("name").asText());
                if (named.path("name").asText().equals("default") && named.path("template").isTextual()) {
                    return named.get("template").asText();
                }
            }
            throw new ChatTemplateException(file + ": chat_template: expected a template named \"default\", found " + names);
        }
        throw new ChatTemplateException(file + ": chat_template: expected a string or a list of {name, template}, found "
                + t.getNodeType().toString().toLowerCase());
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ChatTemplateException(file + ": not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Where the template came from. */
    public String source() {
        return source;
    }

    /** The special-token strings the template sees. */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> kwargs) {
        List<Map<String, Object>> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("role", m.role());
            o.put("content", m.content());
            msgs.add(o);
        }
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.putAll(kwargs);
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", addGenerationPrompt);
        RenderResult r = jinjava.renderForResult(template, vars);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw error(e);
            }
        }
        return r.getOutput();
    }

    private ChatTemplateException error(TemplateError e) {
        Throwable raised = e.getException();
        while (raised != null && !(raised instanceof TemplateFunctions.Raised)) {
            raised = raised.getCause();
        }
        String where = source + ", line " + e.getLineno() + ": ";
        if (raised != null) {
            int line = raiseLine(raised.getMessage());
            where = source + ", line " + (line > 0 ? line : e.getLineno()) + ": ";
            return new ChatTemplateException(where + "the template refused the conversation: " + raised.getMessage());
        }
        String msg = e.getMessage() == null ? String.valueOf(e.getReason()) : e.getMessage().lines().findFirst().orElse("");
        return new ChatTemplateException(where + msg);
    }

    /**
     * The line of the {@code raise_exception} call that wrote {@code message}, when exactly one call
     * quotes it (jinjava reports the line of the outermost enclosing tag instead); else 0.
     */
    private int raiseLine(String message) {
        String[] lines = template.split("\n", -1);
        int found = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("raise_exception(") && lines[i].contains(message)) {
                if (found > 0) {
                    return 0;
                }
                found = i + 1;
            }
        }
        return found;
    }

    private static Jinjava engine() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        LegacyOverrides python = LegacyOverrides.newBuilder().withIterateOverMapKeys(true).withUseNaturalOperatorPrecedence(true)
                
                .withEvaluateMapKeys(true).withKeepNullableLoopValues(true).withUseTrimmingForNotesAndExpressions(true).build();
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withElResolver(resolver).withLegacyOverrides(python).withFailOnUnknownTokens(false).build();
        Jinjava j = new Jinjava(config);
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class,
                "raiseException", Object.class));
        j.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class,
                "strftimeNow", String.class));
        j.getGlobalContext().registerFilter(new ToJson());
        j.getGlobalContext().registerTag(new GenerationTag());
        return j;
    }

    /** {@code tojson} as Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}. */
    private static final class ToJson implements Filter {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PyJson.dumps(var, args.length > 0 ? Integer.valueOf(args[0].trim()) : null);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            return PyJson.dumps(var, indent == null ? null : ((Number) indent).intValue());
        }
    }

    /** {@code {% generation %}...{% endgeneration %}}: marks assistant text for masks; renders its body. */
    private static final class GenerationTag implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder sb = new StringBuilder();
            for (Node child : tagNode.getChildren()) {
                sb.append(child.render(interpreter).getValue());
            }
            return sb.toString();
        }
    }
}
