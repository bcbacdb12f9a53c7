package org.rlaif4j.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bytedeco.pytorch.global.torch.ScalarType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rlaif4j.data.AtomicFiles;
import org.rlaif4j.data.PairRecord;
import org.rlaif4j.feedback.Constitution;
import org.rlaif4j.model.CausalLm;
import org.rlaif4j.model.PretrainedModel;
import org.rlaif4j.sft.SftConfig;
import org.rlaif4j.sft.SftExample;
import org.rlaif4j.sft.SftTrainer;
import org.rlaif4j.train.CheckpointDirs;

/**
 * Trains the demo's two tiny models from scratch with the project's own SFT trainer and writes
 * them as float16 Hugging Face folders {@code policy/} and {@code labeler/}: the policy on the
 * imperfect style mix, the labeler on labeling prompts answered with the rater's labels (both
 * orders) and on direct-scoring prompts. libtorch runs on one thread meanwhile, so the same seed
 * and settings give the same bytes on the same kind of CPU.
 */
public final class ModelRebuild {
    public static final String POLICY = "policy";
    public static final String LABELER = "labeler";

    /**
     * @param seed           everything random (data, initial weights, shuffling) derives from it
     * @param policyExamples SFT examples of the policy, styles drawn from {@link StyleMix#IMPERFECT}
     * @param labelerPairs   rater-labelled pairs of the labeler, each shown in both orders
     * @param labelerScored  direct-scoring examples of the labeler
     * @param batchSize      examples per step of the policy; {@code labelerBatch} of the labeler
     * @param tunePairs      second labeler phase: rater-labelled pairs (both orders) whose styles are drawn from
     *                       every {@link ResponseStyle}, padded wrong answers included; 0 skips the phase
     * @param tuneScored     direct-scoring examples of the second phase
     * @param tuneEpochs     epochs of the second phase; {@code tuneLr} its learning rate
     */
    public record Config(long seed, int policyExamples, int policyEpochs, double policyLr, int labelerPairs,
                         int labelerScored, int labelerEpochs, double labelerLr, int batchSize, int labelerBatch,
                         int tunePairs, int tuneScored, int tuneEpochs, double tuneLr) {
        public Config {
            if (policyExamples < 1 || labelerPairs < 1 || labelerScored < 0 || policyEpochs < 1 || labelerEpochs < 1
                    || batchSize < 1 || labelerBatch < 1 || tunePairs < 0 || tuneScored < 0 || tuneEpochs < 1
                    || !(tuneLr > 0)) {
                throw new IllegalArgumentException("rebuild sizes: expected policyExamples, labelerPairs, epochs and "
                        + "batchSize >= 1, labelerScored, tunePairs and tuneScored >= 0 and tuneLr > 0, found " + this);
            }
        }

        /** The settings of the shipped models. */
        public static Config shipped() {
            return new Config(20240, 3000, 8, 3e-3, 1200, 400, 1, 2e-3, 32, 16, TUNE_PAIRS, TUNE_SCORED, 1, TUNE_LR);
        }
    }

    static final int TUNE_PAIRS = 800;
    static final int TUNE_SCORED = 100;
    static final double TUNE_LR = 2e-3;

    /** Where the models went and the SHA-256 of every file, by path relative to the output folder. */
    public record Result(Path policy, Path labeler, Map<String, String> sha256) {}

    private ModelRebuild() {}

    /** Trains both models into {@code out/policy} and {@code out/labeler} (each written whole, then renamed). */
    public static Result run(Path out, Config cfg, boolean quiet, PrintStream err) {
        // One thread: reductions in a fixed order, so the bytes are reproducible.
        return OneThread.run(() -> {
            Path work = out.resolve("work");
            List<SftExample> policyData = DemoData.styled(cfg.policyExamples(), cfg.seed() + 1, StyleMix.IMPERFECT);
            CausalLm policyLm = CausalLm.random(DemoModels.policyConfig(), cfg.seed() + 2);
            Path policy = train(policyLm, policyData, cfg.policyEpochs(), cfg.policyLr(), cfg.batchSize(), cfg.seed(),
                    work.resolve(POLICY), out.resolve(POLICY), quiet, err);
            // The labeler starts from the trained policy's weights (float32) with the longer context.
            Path init = work.resolve("labeler-init");
            policyLm.save(init);
            ObjectNode labelerJson = DemoModels.labelerConfig().json();
            labelerJson.putArray("architectures").add("LlamaForCausalLM");
            AtomicFiles.writeString(init.resolve("config.json"), labelerJson.toPrettyString());
            Path labeler = trainLabeler(init, out, cfg, quiet, err);
            CheckpointDirs.deleteTree(work);
            Map<String, String> sums = new TreeMap<>();
            sums.putAll(checksums(out, policy));
            sums.putAll(checksums(out, labeler));
            return new Result(policy, labeler, sums);
        });
    }

    /**
     * The labeler stage alone, from {@code init} (the trained policy saved in float32 with the
     * labeler's config), into {@code out/labeler}; the caller sets libtorch's threads.
     */
    static Path trainLabeler(Path init, Path out, Config cfg, boolean quiet, PrintStream err) {
        Constitution constitution = DemoConstitution.load();
        List<PairRecord> pairs = DemoData.styledPairs(cfg.labelerPairs(), cfg.seed() + 3, "rebuild");
        List<SftExample> labelerData = DemoData.labeler(pairs, constitution, DemoData.rater(), cfg.labelerScored(),
                cfg.seed() + 4);
        Path work = out.resolve("work");
        Path phase1 = cfg.tunePairs() == 0 ? out.resolve(LABELER) : work.resolve("labeler-phase1");
        train(CausalLm.load(init), labelerData, cfg.labelerEpochs(), cfg.labelerLr(), cfg.labelerBatch(),
                cfg.seed(), work.resolve(LABELER), phase1, quiet, err);
        return cfg.tunePairs() == 0 ? phase1 : tuneLabeler(phase1, out, cfg, quiet, err);
    }

    /**
     * The labeler's second phase, from the first phase's float16 checkpoint {@code phase1} into
     * {@code out/labeler}: pairs whose styles are drawn from every {@link ResponseStyle}, so that
     * padding around a wrong answer, and padding against the bare answer, are common comparisons
     * (the first phase's four styles made the labeler prefer padding whatever the answer).
     */
    static Path tuneLabeler(Path phase1, Path out, Config cfg, boolean quiet, PrintStream err) {
        Constitution constitution = DemoConstitution.load();
        List<PairRecord> pairs = DemoData.styledPairs(cfg.tunePairs(), cfg.seed() + 5, "tune",
                List.of(ResponseStyle.values()));
        List<SftExample> data = DemoData.labeler(pairs, constitution, DemoData.rater(), cfg.tuneScored(), cfg.seed() + 6);
        return train(CausalLm.load(phase1), data, cfg.tuneEpochs(), cfg.tuneLr(), cfg.labelerBatch(), cfg.seed() + 1,
                out.resolve("work").resolve("labeler-tune"), out.resolve(LABELER), quiet, err);
    }

    private static Path train(CausalLm lm, List<SftExample> data, int epochs, double lr, int batch, long seed, Path work,
                              Path target, boolean quiet, PrintStream err) {
        SftConfig sft = new SftConfig(epochs, batch, 1, lr, 20, 0.0, 1.0, lm.config().maxPositions(), 0, 0, 1, seed);
        new SftTrainer(lm, DemoModels.TOKENIZER, sft).train(data, List.of(), work, quiet, err);
        return CheckpointDirs.writeDir(target, dir -> {
            lm.save(dir, ScalarType.Half, PretrainedModel.DEFAULT_MAX_SHARD_BYTES);
            DemoModels.TOKENIZER.save(dir);
        });
    }

    /** SHA-256 of each regular file under {@code dir}, keyed by its path relative to {@code root} ('/'-separated). */
    public static Map<String, String> checksums(Path root, Path dir) {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.put(root.relativize(f).toString().replace('\\', '/'), sha256(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }

    private static String sha256(Path f) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(f), MessageDigest.getInstance("SHA-256"))) {
            MessageDigest md = ((DigestInputStream) in).getMessageDigest();
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
