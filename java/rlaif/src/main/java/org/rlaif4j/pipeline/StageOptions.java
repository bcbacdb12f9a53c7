package org.rlaif4j.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A stage's section of the pipeline config turned into the stage command's arguments, checked
 * against that command's own options: {@code "batch_size": 8} is {@code --batch-size 8}, {@code true}
 * a flag ({@code false} leaves it out), a list a repeated option. Path options resolve against the
 * config file's folder and must exist. Every problem is added to {@code errors}, so a config is
 * reported whole. A string naming one of {@code models} (such as {@code "@policy"}) stands for a model
 * folder made during the run and is passed as that folder, unchecked.
 */
final class StageOptions {
    private StageOptions() {
    }

    /**
     * @param section  the config key, for messages ({@code "sft"}, {@code "eval.win_rate"})
     * @param reserved long option names (without dashes) the pipeline sets itself
     * @param skip     keys of the section that are not options of the command (nested sections)
     */
    static List<String> toArgs(String section, ObjectNode options, CommandSpec spec, Set<String> reserved, Set<String> skip,
                               Map<String, Path> models, Path baseDir, List<String> errors) {
        List<String> args = new ArrayList<>();
        for (OptionSpec o : spec.options()) {
            String n = o.longestName().replaceFirst("^-+", "");
            if (o.required() && o.group() == null && !reserved.contains(n) && !options.has(n.replace('-', '_'))) {
                errors.add(section + "." + n.replace('-', '_') + ": required, found nothing");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (skip.contains(key)) {
                continue;
            }
            String name = "--" + key.replace('_', '-');
            OptionSpec opt = spec.findOption(name);
            if (opt == null || opt.usageHelp() || opt.versionHelp()) {
                errors.add(section + "." + key + ": unknown key (expected one of " + known(spec, reserved, skip) + ")");
                continue;
            }
            if (reserved.contains(key.replace('_', '-'))) {
                errors.add(section + "." + key + ": set by the pipeline, expected it left out");
                continue;
            }
            JsonNode v = e.getValue();
            if (isBoolean(opt)) {
                if (!v.isBoolean()) {
                    errors.add(section + "." + key + ": expected true or false, found " + v);
                } else if (v.asBoolean()) {
                    args.add(name);
                }
                continue;
            }
            List<JsonNode> values = new ArrayList<>();
            if (v.isArray() && opt.isMultiValue()) {
                v.forEach(values::add);
            } else {
                values.add(v);
            }
            for (JsonNode one : values) {
                if (one.isTextual() && models.containsKey(one.asText())) {
                    args.add(name);
                    args.add(models.get(one.asText()).toString());
                    continue;
                }
                String text = value(section + "." + key, one, opt.type(), baseDir, errors);
                if (text != null) {
                    args.add(name);
                    args.add(text);
                }
            }
        }
        return args;
    }

    private static boolean isBoolean(OptionSpec opt) {
        return opt.type() == boolean.class || opt.type() == Boolean.class;
    }

    private static String value(String where, JsonNode v, Class<?> type, Path baseDir, List<String> errors) {
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            if (!v.isIntegralNumber()) {
                errors.add(where + ": expected an integer, found " + v);
                return null;
            }
            return v.asText();
        }
        if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
            if (!v.isNumber()) {
                errors.add(where + ": expected a number, found " + v);
                return null;
            }
            return v.asText();
        }
        if (!v.isTextual()) {
            errors.add(where + ": expected a string, found " + v);
            return null;
        }
        String s = v.asText();
        if (type == Path.class) {
            Path p = baseDir.resolve(s).normalize();
            if (!Files.exists(p)) {
                errors.add(where + ": missing file " + p);
                return null;
            }
            return p.toString();
        }
        if (type.isEnum()) {
            for (Object c : type.getEnumConstants()) {
                if (((Enum<?>) c).name().equalsIgnoreCase(s)) {
                    return s;
                }
            }
            List<String> names = new ArrayList<>();
            for (Object c : type.getEnumConstants()) {
                names.add(((Enum<?>) c).name().toLowerCase(Locale.ROOT));
            }
            errors.add(where + ": expected one of " + names + ", found '" + s + "'");
            return null;
        }
        if (type == URI.class) {
            try {
                URI.create(s);
            } catch (IllegalArgumentException ex) {
                errors.add(where + ": expected a URL, found '" + s + "'");
                return null;
            }
        }
        return s;
    }

    private static Set<String> known(CommandSpec spec, Set<String> reserved, Set<String> skip) {
        Set<String> out = new TreeSet<>(skip);
        for (OptionSpec o : spec.options()) {
            String n = o.longestName().replaceFirst("^-+", "");
            if (!o.usageHelp() && !o.versionHelp() && !reserved.contains(n)) {
                out.add(n.replace('-', '_'));
            }
        }
        return out;
    }
}
