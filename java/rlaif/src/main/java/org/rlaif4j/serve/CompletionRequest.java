package org.rlaif4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A validated {@code POST /v1/completions} body.
 *
 * @param prompts     each prompt as text, or as token ids ({@code textPrompts} false)
 * @param promptIds   token ids of each prompt when given as ids, else null entries
 * @param maxTokens   new tokens per choice, 0 allowed with {@code echo} (scores the prompt only)
 * @param temperature 0 = greedy
 * @param topP        nucleus sampling, (0, 1]
 * @param topK        0 = off (a vLLM extension)
 * @param stop        strings that end a choice (not returned)
 * @param echo        the prompt is returned before the completion (and scored with logprobs)
 * @param logprobs    top log-probs per position, or null for none
 * @param seed        makes sampling reproducible, or null
 * @param n           choices per prompt
 */
public record CompletionRequest(List<String> prompts, List<long[]> promptIds, int maxTokens, double temperature,
                                double topP, int topK, List<String> stop, boolean echo, Integer logprobs, Long seed,
                                int n) {
    private static final int MAX_STOP = 4;

    public boolean greedy() {
        return temperature == 0;
    }

    /**
     * Parses and checks a request body against the server's limits; problems are 400s naming the
     * field (404 for another model, per the OpenAI API).
     */
    public static CompletionRequest parse(JsonNode body, ServeConfig limits) {
        if (body == null || !body.isObject()) {
            throw new ApiException(400, null, "request body: expected a JSON object");
        }
        JsonNode model = body.get("model");
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                throw ApiException.badField("model", "expected a string, found " + model);
            }
            if (!model.asText().equals(limits.modelName())) {
                throw new ApiException(404, "model", "model '" + model.asText() + "' not found; this server serves '"
                        + limits.modelName() + "'");
            }
        }
        unsupported(body, "stream", n -> n.asBoolean(false));
        unsupported(body, "suffix", n -> !n.isNull());
        unsupported(body, "logit_bias", n -> n.isObject() && !n.isEmpty());
        unsupported(body, "presence_penalty", n -> n.asDouble(0) != 0);
        unsupported(body, "frequency_penalty", n -> n.asDouble(0) != 0);

        List<String> texts = new ArrayList<>();
        List<long[]> ids = new ArrayList<>();
        parsePrompt(body.get("prompt"), texts, ids);
        int maxTokens = intField(body, "max_tokens", 16, 0, limits.maxTokens());
        boolean echo = boolField(body, "echo");
        if (maxTokens == 0 && !echo) {
            throw ApiException.badField("max_tokens", "expected >= 1 (0 only with echo), found 0");
        }
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) {
            throw ApiException.badField("top_p", "expected a value in (0, 1], found 0");
        }
        int topK = intField(body, "top_k", 0, -1, Integer.MAX_VALUE);
        Integer logprobs = null;
        JsonNode lp = body.get("logprobs");
        if (lp != null && !lp.isNull() && !(lp.isBoolean() && !lp.asBoolean())) {
            logprobs = intField(body, "logprobs", 0, 0, limits.maxLogprobs());
        }
        Long seed = null;
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.canConvertToLong() || !s.isIntegralNumber()) {
                throw ApiException.badField("seed", "expected an integer, found " + s);
            }
            seed = s.asLong();
        }
        int n = intField(body, "n", 1, 1, limits.maxBatch());
        JsonNode bestOf = body.get("best_of");
        if (bestOf != null && !bestOf.isNull() && bestOf.asInt() != n) {
            throw ApiException.badField("best_of", "not supported (expected absent or equal to n = " + n + "), found " + bestOf);
        }
        if ((long) texts.size() * n > limits.maxBatch()) {
            throw ApiException.badField("prompt", "expected at most " + limits.maxBatch() + " sequences (prompts × n) per "
                    + "request, found " + texts.size() + " × " + n);
        }
        return new CompletionRequest(Collections.unmodifiableList(texts), Collections.unmodifiableList(ids), maxTokens, temperature, topP, Math.max(topK, 0),
                parseStop(body.get("stop")), echo, logprobs, seed, n);
    }

    private static void parsePrompt(JsonNode p, List<String> texts, List<long[]> ids) {
        String expected = "expected a string, a list of strings, a list of token ids or a list of such lists";
        if (p == null || p.isNull()) {
            throw ApiException.badField("prompt", "required; " + expected);
        }
        if (p.isTextual()) {
            texts.add(p.asText());
            ids.add(null);
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            texts.add(null);
            ids.add(tokenIds(p));
        } else if (p.isArray() && !p.isEmpty()) {
            for (JsonNode e : p) {
                if (e.isTextual()) {
                    texts.add(e.asText());
                    ids.add(null);
                } else if (e.isArray() && !e.isEmpty()) {
                    texts.add(null);
                    ids.add(tokenIds(e));
                } else {
                    throw ApiException.badField("prompt", expected + "; found an element " + abbreviate(e));
                }
            }
        } else {
            throw ApiException.badField("prompt", expected + "; found " + abbreviate(p));
        }
    }

    private static long[] tokenIds(JsonNode arr) {
        long[] out = new long[arr.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = arr.get(i);
            if (!e.isIntegralNumber() || e.asLong() < 0) {
                throw ApiException.badField("prompt", "token ids must be integers >= 0, found " + abbreviate(e));
            }
            out[i] = e.asLong();
        }
        return out;
    }

    private static List<String> parseStop(JsonNode s) {
        List<String> out = new ArrayList<>();
        if (s == null || s.isNull()) {
            return out;
        }
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (JsonNode e : s) {
                if (!e.isTextual()) {
                    throw ApiException.badField("stop", "expected strings, found " + abbreviate(e));
                }
                out.add(e.asText());
            }
        } else {
            throw ApiException.badField("stop", "expected a string or a list of strings, found " + abbreviate(s));
        }
        if (out.size() > MAX_STOP || out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.badField("stop", "expected 1 to " + MAX_STOP + " non-empty strings, found " + out);
        }
        return List.copyOf(out);
    }

    private interface Check {
        boolean isSet(JsonNode n);
    }

    private static void unsupported(JsonNode body, String field, Check set) {
        JsonNode n = body.get(field);
        if (n != null && set.isSet(n)) {
            throw ApiException.badField(field, "not supported by this server, found " + abbreviate(n));
        }
    }

    private static int intField(JsonNode body, String field, int dflt, int min, int max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
            throw ApiException.badField(field, "expected an integer in [" + min + ", " + max + "], found " + abbreviate(n));
        }
        return n.asInt();
    }

    private static double number(JsonNode body, String field, double dflt, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
            throw ApiException.badField(field, "expected a number in [" + min + ", " + max + "], found " + abbreviate(n));
        }
        return n.asDouble();
    }

    private static boolean boolField(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiException.badField(field, "expected true or false, found " + abbreviate(n));
        }
        return n.asBoolean();
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }
}
