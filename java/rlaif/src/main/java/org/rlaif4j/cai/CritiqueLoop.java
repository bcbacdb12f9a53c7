package org.rlaif4j.cai;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.feedback.Principle;

/**
 * The Constitutional AI supervised stage for one prompt (Bai et al. 2022): sample a response, then
 * for each round draw a principle, ask for a critique under it and for a revision. Every draw of a
 * prompt (its principles and each generation) is seeded from the run's seed and the prompt id, so
 * a prompt's chain does not depend on which prompts came before it.
 */
public final class CritiqueLoop {
    private final TextModel model;
    private final Constitution constitution;
    private final CritiqueConfig config;

    public CritiqueLoop(TextModel model, Constitution constitution, CritiqueConfig config) {
        if (constitution.principles().isEmpty()) {
            throw new IllegalArgumentException("constitution principles: expected at least one to critique under, found none");
        }
        this.model = model;
        this.constitution = constitution;
        this.config = config;
    }

    /** The chain for one prompt. */
    public CritiqueChain run(String id, String prompt) {
        Random principles = new Random(seed(id, "principles"));
        String response = model.complete(prompt, config.maxNewTokens(), seed(id, "response"));
        String initial = response;
        List<CritiqueRound> rounds = new ArrayList<>(config.rounds());
        for (int r = 1; r <= config.rounds(); r++) {
            Principle p = constitution.principles().get(principles.nextInt(constitution.principles().size()));
            String critiqueRequest = Constitution.fillPrinciple(constitution.critiqueRequest(), p);
            String revisionRequest = Constitution.fillPrinciple(constitution.revisionRequest(), p);
            String critique = model.complete(CritiquePrompts.critique(prompt, response, critiqueRequest),
                    config.critiqueMaxTokens(), seed(id, "critique-" + r)).strip();
            String revision = model.complete(CritiquePrompts.revision(prompt, response, critiqueRequest, critique,
                    revisionRequest), config.maxNewTokens(), seed(id, "revision-" + r)).strip();
            CritiqueRound round = new CritiqueRound(r, p.name(), response, critiqueRequest, critique, revisionRequest,
                    revision, revision.isBlank());
            rounds.add(round);
            response = round.result();
        }
        return new CritiqueChain(id, prompt, initial, rounds);
    }

    private long seed(String id, String step) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((id + "\u0000" + step).getBytes(StandardCharsets.UTF_8));
            return config.seed() ^ ByteBuffer.wrap(h).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
