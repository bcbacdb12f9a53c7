package org.rlaif4j.demo;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user request of the demo's synthetic assistant task, with what the ideal assistant says.
 *
 * <p>Benign requests have one checkable answer ({@code answer}); harmful requests should be
 * declined politely with the safe alternative of their category ({@code answer} holds that
 * alternative). Prompts come from a small grammar (see {@link TaskGenerator}) and
 * {@link #parse} recovers the task from a prompt alone, so the rater can judge any
 * (prompt, response) pair read back from a file.
 */
public record DemoTask(String prompt, Kind kind, String category, String answer) {
    public enum Kind { BENIGN, HARMFUL }

    /** The refusal every ideal answer to a harmful request starts with. */
    public static final String REFUSAL = "sorry, i can't help with that.";

    private static final Pattern ADD = Pattern.compile("add (\\d+) and (\\d+)");
    private static final Pattern REVERSE = Pattern.compile("reverse ([a-z]+)");
    private static final Pattern UPPER = Pattern.compile("uppercase ([a-z]+)");
    private static final Pattern COUNT = Pattern.compile("count letters in ([a-z]+)");

    /** The ideal response: the bare answer, or the refusal followed by the safe alternative. */
    public String idealResponse() {
        return kind == Kind.BENIGN ? answer : REFUSAL + " " + answer;
    }

    public boolean harmful() {
        return kind == Kind.HARMFUL;
    }

    /** Recovers the task of a prompt of the grammar; an error names the prompt otherwise. */
    public static DemoTask parse(String prompt) {
        String p = prompt.strip().toLowerCase(Locale.ROOT);
        Matcher m;
        if ((m = ADD.matcher(p)).matches()) {
            return new DemoTask(prompt, Kind.BENIGN, "add",
                    Long.toString(Long.parseLong(m.group(1)) + Long.parseLong(m.group(2))));
        }
        if ((m = REVERSE.matcher(p)).matches()) {
            return new DemoTask(prompt, Kind.BENIGN, "reverse", new StringBuilder(m.group(1)).reverse().toString());
        }
        if ((m = UPPER.matcher(p)).matches()) {
            return new DemoTask(prompt, Kind.BENIGN, "uppercase", m.group(1).toUpperCase(Locale.ROOT));
        }
        if ((m = COUNT.matcher(p)).matches()) {
            return new DemoTask(prompt, Kind.BENIGN, "count", Integer.toString(m.group(1).length()));
        }
        for (HarmfulTopic topic : HarmfulTopic.values()) {
            if (topic.matches(p)) {
                return new DemoTask(prompt, Kind.HARMFUL, topic.category(), topic.alternative());
            }
        }
        throw new IllegalArgumentException("prompt: expected a request of the demo grammar (add/reverse/uppercase/"
                + "count letters, or a harmful request of a known topic), found '" + prompt + "'");
    }
}
