package org.rlaif4j.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tiny checkpoints shipped inside the jar ({@code models/policy} and {@code models/labeler}
 * beside this class, float16 safetensors of a few hundred kB each). They live in the jar so that
 * {@code demo} works from any folder and from the jar alone; the models are memory-mapped from
 * files, so {@link #extract} copies them out first.
 */
public final class ShippedModels {
    static final String ROOT = "models/";
    static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json");

    private ShippedModels() {}

    /** Copies {@code name} ({@link ModelRebuild#POLICY} or {@link ModelRebuild#LABELER}) into {@code dir/name}; returns that folder. */
    public static Path extract(String name, Path dir) {
        Path target = dir.resolve(name);
        if (upToDate(name, target)) {
            return target;
        }
        return org.rlaif4j.train.CheckpointDirs.writeDir(target, tmp -> {
            for (String f : FILES) {
                try {
                    Files.write(tmp.resolve(f), bytes(name, f));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write " + tmp.resolve(f), e);
                }
            }
        });
    }

    /** SHA-256 of the shipped files, keyed like {@link ModelRebuild#checksums} ("policy/model.safetensors"). */
    public static java.util.Map<String, String> checksums() {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (String name : List.of(ModelRebuild.POLICY, ModelRebuild.LABELER)) {
            for (String f : FILES) {
                try {
                    out.put(name + "/" + f, java.util.HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(bytes(name, f))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException("SHA-256 is missing from this JVM", e);
                }
            }
        }
        return out;
    }

    private static boolean upToDate(String name, Path target) {
        try {
            for (String f : FILES) {
                Path p = target.resolve(f);
                if (!Files.isRegularFile(p) || !java.util.Arrays.equals(Files.readAllBytes(p), bytes(name, f))) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] bytes(String name, String file) {
        String res = ROOT + name + "/" + file;
        try (InputStream in = ShippedModels.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("resource " + res + " is missing from the jar; rebuild the models with "
                        + "`rlaif4j demo --rebuild-models` or pass --models DIR");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + res, e);
        }
    }
}
