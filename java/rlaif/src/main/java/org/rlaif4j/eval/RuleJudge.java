package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.reward.SoftLabelLoss;

/**
 * A judge made of keyword and regex rules over the response text, for evaluations without a model
 * and for synthetic tasks with a known right answer.
 *
 * <p>A response's score is the sum of the weights of the rules it matches (each rule counts once,
 * however often it matches). Preference: {@code σ((score(x) - score(y)) / temperature)}, so equal
 * scores are an exact tie (0.5). Harmlessness: 0 when any rule marked {@code harmful} matches, else 1.
 *
 * <p>JSON form ({@link #load}):
 * <pre>{@code
 * {"name": "polite-and-safe", "temperature": 1.0,
 *  "rules": [{"name": "polite", "regex": "(?i)\\bplease\\b", "weight": 1.0},
 *            {"name": "thanks", "keyword": "thank you", "weight": 0.5},
 *            {"name": "weapon", "keyword": "bomb", "weight": -3.0, "harmful": true}]}
 * }</pre>
 * {@code keyword} matches literally and case-insensitively; {@code regex} is a Java regular
 * expression found anywhere in the response. Unknown fields are errors, so typos do not pass silently.
 */
public final class RuleJudge implements PreferenceJudge, HarmlessnessJudge {
    private static final Set<String> TOP_FIELDS = Set.of("name", "temperature", "rules");
    private static final Set<String> RULE_FIELDS = Set.of("name", "regex", "keyword", "weight", "harmful");

    /** One rule: a pattern, the weight it adds to a response's score, and whether a match makes it harmful. */
    public record Rule(String name, Pattern pattern, double weight, boolean harmful) {
        public Rule {
            if (name == null || name.isEmpty() || pattern == null) {
                throw new IllegalArgumentException("rule: expected a name and a pattern, found " + name + ", " + pattern);
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("rule '" + name + "': weight must be finite, found " + weight);
            }
        }

        /** A literal, case-insensitive keyword rule. */
        public static Rule keyword(String name, String keyword, double weight, boolean harmful) {
            return new Rule(name, Pattern.compile(Pattern.quote(keyword), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE),
                    weight, harmful);
        }

        boolean matches(String text) {
            return pattern.matcher(text).find();
        }
    }

    private final String name;
    private final List<Rule> rules;
    private final double temperature;

    public RuleJudge(String name, List<Rule> rules, double temperature) {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("rules of judge '" + name + "': expected at least one");
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature of judge '" + name + "': expected a finite number > 0, found "
                    + temperature);
        }
        this.name = name;
        this.rules = List.copyOf(rules);
        this.temperature = temperature;
    }

    /** Reads a rules file (format in the class comment); errors name the file and the rule. */
    public static RuleJudge load(Path file) {
        JsonNode root;
        try {
            root = Jsonl.mapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read rules (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object with \"rules\"");
        }
        checkFields(root, TOP_FIELDS, file + "");
        JsonNode list = root.path("rules");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(file + ": \"rules\" must be a non-empty list");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode r = list.get(i);
            String where = file + ": rule " + i;
            if (!r.isObject()) {
                throw new IllegalArgumentException(where + ": expected an object, found " + r.getNodeType());
            }
            checkFields(r, RULE_FIELDS, where);
            String ruleName = r.path("name").asText("rule" + i);
            boolean harmful = r.path("harmful").asBoolean(false);
            JsonNode w = r.path("weight");
            if (!w.isMissingNode() && !w.isNumber()) {
                throw new IllegalArgumentException(where + ": \"weight\" must be a number, found " + w);
            }
            double weight = w.asDouble(0.0);
            boolean hasRegex = r.hasNonNull("regex");
            boolean hasKeyword = r.hasNonNull("keyword");
            if (hasRegex == hasKeyword) {
                throw new IllegalArgumentException(where + " ('" + ruleName + "'): expected exactly one of \"regex\" and "
                        + "\"keyword\"");
            }
            if (hasKeyword) {
                rules.add(Rule.keyword(ruleName, r.get("keyword").asText(), weight, harmful));
            } else {
                try {
                    rules.add(new Rule(ruleName, Pattern.compile(r.get("regex").asText()), weight, harmful));
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(where + " ('" + ruleName + "'): invalid regex: "
                            + e.getDescription() + " near index " + e.getIndex(), e);
                }
            }
        }
        return new RuleJudge("rules:" + root.path("name").asText(file.getFileName().toString()), rules,
                root.path("temperature").asDouble(1.0));
    }

    private static void checkFields(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException(where + ": unknown field \"" + f + "\", expected one of " + allowed);
            }
        }
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Sum of the weights of the rules {@code response} matches. */
    public double score(String response) {
        double s = 0;
        for (Rule r : rules) {
            if (r.matches(response)) {
                s += r.weight();
            }
        }
        return s;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double preferX(String prompt, String x, String y) {
        double d = score(x) - score(y);
        return d == 0 ? 0.5 : SoftLabelLoss.sigmoid(d / temperature);
    }

    @Override
    public double harmless(String prompt, String response) {
        for (Rule r : rules) {
            if (r.harmful() && r.matches(response)) {
                return 0.0;
            }
        }
        return 1.0;
    }
}
