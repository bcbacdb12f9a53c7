package org.rlaif4j.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A metric's result, as JSON and as a markdown table. */
public interface EvalResult {
    /** File-name stem and JSON {@code metric} field: {@code alignment}, {@code win_rate}, {@code harmless_rate}. */
    String metric();

    ObjectNode toJson();

    String toMarkdown();
}
