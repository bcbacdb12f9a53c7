package org.rlaif4j.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.BadLinePolicy;
import org.rlaif4j.data.Jsonl;
import org.rlaif4j.data.Line;
import org.rlaif4j.data.Prompt;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.GenerationConfig;
import org.rlaif4j.model.GenerationResult;
import org.rlaif4j.model.Generator;
import org.rlaif4j.model.ModelDtype;
import org.rlaif4j.model.PromptFormat;
import org.rlaif4j.model.tokenizer.HfTokenizer;

/**
 * One greedy response per prompt from a policy, as the {@code {"id", "prompt", "response"}} JSONL
 * that {@code eval win-rate} and {@code eval harmless} read. Greedy, so the SFT and RLAIF policies
 * are compared on their most likely answers, not on sampling luck. A prompt either policy answers
 * with nothing is left out of both files (eval treats empty responses as bad lines) and counted.
 */
final class PolicyResponses {
    private static final int BATCH = 8;

    private PolicyResponses() {
    }

    /** Writes both policies' answers to {@code xOut} / {@code yOut}; returns how many prompts were left out as blank. */
    static int write(Path xPolicy, Path yPolicy, Path promptsFile, int maxNewTokens, Path xOut, Path yOut) {
        List<Line<ObjectNode>> lines = Jsonl.read(promptsFile, o -> {
            Prompt.fromJson(o, "prompt"); // a string or a list of messages
            return o;
        }, BadLinePolicy.FAIL, w -> { });
        List<String> x = generate(xPolicy, lines, maxNewTokens);
        List<String> y = generate(yPolicy, lines, maxNewTokens);
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!x.get(i).isBlank() && !y.get(i).isBlank()) {
                kept.add(i);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalStateException("eval: every prompt of " + promptsFile + " got an empty answer from " + xPolicy
                    + " or " + yPolicy + "; nothing to compare (train longer, or raise max_new_tokens)");
        }
        writeFile(lines, kept, x, xOut);
        writeFile(lines, kept, y, yOut);
        return lines.size() - kept.size();
    }

    private static List<String> generate(Path policyDir, List<Line<ObjectNode>> lines, int maxNewTokens) {
        CausalLm lm = CausalLm.load(policyDir, ModelDtype.saved(policyDir));
        List<String> responses = new ArrayList<>(lines.size());
        try (HfTokenizer tok = HfTokenizer.load(policyDir)) {
            PromptFormat format = PromptFormat.load(policyDir, tok, lm.config()); // as every stage encodes
            Set<Long> stops = new HashSet<>(format.stopIds());
            GenerationConfig cfg = GenerationConfig.greedy(maxNewTokens).withStopTokens(stops)
                    .withPadTokenId(tok.specialTokens().padOrEos());
            for (int from = 0; from < lines.size(); from += BATCH) {
                List<long[]> ids = new ArrayList<>();
                for (Line<ObjectNode> l : lines.subList(from, Math.min(lines.size(), from + BATCH))) {
                    ids.add(format.promptIds(Prompt.fromJson(l.value(), "prompt")));
                }
                try (PointerScope scope = new PointerScope()) {
                    GenerationResult r = new Generator(lm).generate(ids, cfg);
                    for (int i = 0; i < ids.size(); i++) {
                        responses.add(tok.decode(r.generatedTokens(i)));
                    }
                }
            }
        }
        return responses;
    }

    private static void writeFile(List<Line<ObjectNode>> lines, List<Integer> kept, List<String> responses, Path out) {
        AtomicFiles.write(out, w -> {
            for (int i : kept) {
                ObjectNode o = lines.get(i).value();
                String id = o.has("id") ? o.get("id").asText() : Integer.toString(lines.get(i).number());
                Prompt prompt = Prompt.fromJson(o, "prompt");
                ObjectNode rec = Jsonl.mapper().createObjectNode().put("id", id);
                rec.set("prompt", prompt.toJson());
                rec.set("response", prompt.responseJson(responses.get(i)));
                w.write((Jsonl.toLine(rec) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }
}
