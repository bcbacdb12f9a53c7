package org.rlaif4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a JMH JSON result file into benchmarks/RESULTS.md: medians per benchmark and shape,
 * the speed-up of each kernel over its baselines, and its achieved bandwidth as a fraction of
 * the copy bandwidth measured in the same run.
 *
 * <p>Usage: {@code ResultsTable jmh.json RESULTS.md "machine description" "command"}
 */
public final class ResultsTable {
    /** Median milliseconds keyed by "Class.method" then by the first parameter's value. */
    private final Map<String, Map<String, Double>> medians = new LinkedHashMap<>();
    /** Peak extra resident bytes keyed the same way (from PeakMemory), when recorded. */
    private final Map<String, Map<String, Long>> peaks = new LinkedHashMap<>();

    /** Per loss path, the phase timings of each measured PPO iteration (PpoIterationBenchmark's side lines). */
    private final Map<String, List<double[]>> ppoPhases = new LinkedHashMap<>();

    /**
     * Adds the lines PeakMemory wrote: benchmark, parameter, bytes (tab-separated); and
     * PpoIterationBenchmark's phase lines: {@code ppo-phases}, loss path, generation / scoring /
     * training seconds, generated / scored / trained tokens.
     */
    void addPeaks(List<String> lines) {
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length == 3) {
                peaks.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], Long.parseLong(f[2]));
            } else if (f.length == 8 && f[0].equals(PpoIterationBenchmark.PHASES)) {
                double[] v = new double[6];
                for (int i = 0; i < 6; i++) {
                    v[i] = Double.parseDouble(f[2 + i]);
                }
                ppoPhases.computeIfAbsent(f[1], k -> new ArrayList<>()).add(v);
            }
        }
    }

    /** Median over measured iterations of tokens / seconds for one phase (0 generation, 1 scoring, 2 training). */
    double ppoTokensPerSecond(String lossPath, int phase) {
        List<double[]> rows = ppoPhases.get(lossPath);
        if (rows == null || rows.isEmpty()) {
            return Double.NaN;
        }
        double[] rates = rows.stream().mapToDouble(r -> r[3 + phase] / r[phase]).sorted().toArray();
        int n = rates.length;
        return n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
    }

    /** Generated tokens of one iteration (the same for every shot: fixed prompts and length). */
    double ppoGeneratedTokens(String lossPath) {
        List<double[]> rows = ppoPhases.get(lossPath);
        return rows == null || rows.isEmpty() ? Double.NaN : rows.get(0)[3];
    }

    List<String> ppoIterationSection() {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "### PPO iteration, ~10M-parameter Llama-style model: %d prompts × %d new "
                        + "tokens, reward model + reference + value model, %d PPO epoch(s) in minibatches of %d (single-shot medians)",
                PpoIterationBenchmark.PROMPTS, PpoIterationBenchmark.NEW_TOKENS, PpoIterationBenchmark.EPOCHS,
                PpoIterationBenchmark.MINIBATCH));
        lines.add("");
        lines.add("| loss path | iteration (ms) | generated tokens/s, end to end | generation tokens/s | scoring tokens/s "
                + "| training tokens/s |");
        lines.add("|---|---:|---:|---:|---:|---:|");
        Map<String, String> names = new LinkedHashMap<>();
        names.put("linear", "fused kernels (LinearPpoLoss, GAE, whitening)");
        names.put("split", "fused kernels (log-probs from logits + PPO loss)");
        names.put("eager", "libtorch eager reference");
        for (String path : names.keySet()) {
            double ms = median("PpoIterationBenchmark.iteration", path);
            if (Double.isNaN(ms)) {
                continue;
            }
            lines.add(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f | %.0f | %.0f |", names.get(path),
                    ms, ppoGeneratedTokens(path) / ms * 1000, ppoTokensPerSecond(path, 0), ppoTokensPerSecond(path, 1),
                    ppoTokensPerSecond(path, 2)));
        }
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Eager / fused linear: iteration time %.2f×, training phase %.2f× (above "
                        + "1: fused is faster; training tokens/s counts each epoch's tokens, scoring counts prompt + "
                        + "response tokens).",
                median("PpoIterationBenchmark.iteration", "eager") / median("PpoIterationBenchmark.iteration", "linear"),
                ppoTokensPerSecond("linear", 2) / ppoTokensPerSecond("eager", 2)));
        lines.add("");
        return lines;
    }

    String peakMiB(String key, String param) {
        Map<String, Long> byParam = peaks.get(key);
        Long v = byParam == null ? null : byParam.get(param);
        return v == null ? "n/a" : String.format(Locale.ROOT, "%.0f", v / 1048576.0);
    }

    ResultsTable(JsonNode jmh) {
        for (JsonNode run : jmh) {
            String bench = run.get("benchmark").asText();
            String key = bench.substring(bench.lastIndexOf('.', bench.lastIndexOf('.') - 1) + 1);
            String param = run.path("params").elements().hasNext() ? run.get("params").elements().next().asText() : "";
            JsonNode metric = run.get("primaryMetric");
            if (!"ms/op".equals(metric.get("scoreUnit").asText())) {
                throw new IllegalArgumentException(bench + ": expected scoreUnit ms/op, found " + metric.get("scoreUnit"));
            }
            JsonNode p50 = metric.path("scorePercentiles").path("50.0");
            double median = p50.isMissingNode() ? metric.get("score").asDouble() : p50.asDouble();
            medians.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(param, median);
        }
    }

    double median(String key, String param) {
        Map<String, Double> byParam = medians.get(key);
        Double v = byParam == null ? null : byParam.get(param);
        return v == null ? Double.NaN : v;
    }

    /** Ratio baseline/native: how many times faster the kernel is. */
    double speedup(String kernelClass, String baseline, String shape) {
        return median(kernelClass + "." + baseline, shape) / median(kernelClass + ".nativeKernel", shape);
    }

    /** Achieved GB/s of the kernel divided by the copy GB/s for the same traffic. */
    double bandwidthFraction(String kernelClass, int bytesPerElement, String shape) {
        return median("CopyBenchmark.parallelMemcpy", shape + "/" + bytesPerElement)
                / median(kernelClass + ".nativeKernel", shape);
    }

    static double gigabytesPerSecond(String shape, int bytesPerElement, double millis) {
        String[] bt = shape.split("x");
        double bytes = Double.parseDouble(bt[0]) * Double.parseDouble(bt[1]) * bytesPerElement;
        return bytes / (millis * 1e6);
    }

    /**
     * Kernel vs baselines. Speed-up over eager uses the allocating call (eager allocates too);
     * plain Java and the bandwidth use the call into preallocated outputs, as Java writes into
     * preallocated arrays and memcpy into a preallocated buffer (fresh outputs add page faults
     * whose cost varies with the machine's state).
     */
    List<String> kernelTable(String title, String kernelClass, int bytesPerElement, List<String> shapes) {
        List<String> lines = new ArrayList<>();
        lines.add("### " + title);
        lines.add("");
        lines.add("| B×T | native (ms) | native, preallocated outputs (ms) | libtorch eager (ms) | plain Java (ms) "
                + "| eager / native | Java / native preallocated | native preallocated GB/s | copy GB/s (same bytes) "
                + "| native preallocated / copy bandwidth |");
        lines.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (String s : shapes) {
            double nat = median(kernelClass + ".nativeKernel", s);
            double pre = median(kernelClass + ".nativePreallocated", s);
            double copy = median("CopyBenchmark.parallelMemcpy", s + "/" + bytesPerElement);
            lines.add(String.format(Locale.ROOT,
                    "| %s | %.4f | %.4f | %.3f | %.4f | %.1f× | %.1f× | %.1f | %.1f | %.0f%% |", s.replace("x", "×"),
                    nat, pre, median(kernelClass + ".libtorchEager", s), median(kernelClass + ".plainJava", s),
                    speedup(kernelClass, "libtorchEager", s), median(kernelClass + ".plainJava", s) / pre,
                    gigabytesPerSecond(s, bytesPerElement, pre), gigabytesPerSecond(s, bytesPerElement, copy),
                    100 * copy / pre));
        }
        lines.add("");
        return lines;
    }

    /** Achieved GB/s of the kernel into preallocated outputs divided by the copy GB/s for the same traffic. */
    double preallocatedBandwidthFraction(String kernelClass, int bytesPerElement, String shape) {
        return median("CopyBenchmark.parallelMemcpy", shape + "/" + bytesPerElement)
                / median(kernelClass + ".nativePreallocated", shape);
    }

    /**
     * Fused kernel vs eager with autograd: medians, speed-up, bandwidth and peak memory. When the
     * kernel class also has a {@code nativePreallocated} benchmark (the kernel into reused gradient
     * buffers, no autograd), its time and bandwidth get columns of their own.
     */
    List<String> fusedTable(String title, String kernelClass, int bytesPerElement, List<String> shapes) {
        boolean pre = shapes.stream().anyMatch(s -> has(kernelClass + ".nativePreallocated", s));
        List<String> lines = new ArrayList<>();
        lines.add("### " + title);
        lines.add("");
        lines.add("| shape | fused (ms) |" + (pre ? " fused into preallocated gradients (ms) |" : "")
                + " eager + autograd (ms) | eager / fused | fused GB/s |" + (pre ? " preallocated GB/s |" : "")
                + " copy GB/s (same bytes) | fused / copy bandwidth |" + (pre ? " preallocated / copy bandwidth |" : "")
                + " peak extra MiB fused | peak extra MiB eager |");
        lines.add("|---|---:|" + (pre ? "---:|" : "") + "---:|---:|---:|" + (pre ? "---:|" : "") + "---:|---:|"
                + (pre ? "---:|" : "") + "---:|---:|");
        boolean hasCopy = bytesPerElement > 0;
        for (String s : shapes) {
            double nat = median(kernelClass + ".nativeKernel", s);
            double into = pre ? median(kernelClass + ".nativePreallocated", s) : Double.NaN;
            double copy = hasCopy ? median("CopyBenchmark.parallelMemcpy", s + "/" + bytesPerElement) : Double.NaN;
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.3f |", s.replace("x", "×"), nat));
            if (pre) {
                row.append(String.format(Locale.ROOT, " %.3f |", into));
            }
            row.append(String.format(Locale.ROOT, " %.3f | %.1f× | %s |", median(kernelClass + ".libtorchEager", s),
                    speedup(kernelClass, "libtorchEager", s), gbps(s, bytesPerElement, nat)));
            if (pre) {
                row.append(' ').append(gbps(s, bytesPerElement, into)).append(" |");
            }
            row.append(' ').append(gbps(s, bytesPerElement, copy)).append(" | ")
                    .append(hasCopy ? String.format(Locale.ROOT, "%.0f%%", 100 * copy / nat) : "—").append(" |");
            if (pre) {
                row.append(' ').append(hasCopy ? String.format(Locale.ROOT, "%.0f%%", 100 * copy / into) : "—")
                        .append(" |");
            }
            row.append(String.format(Locale.ROOT, " %s | %s |", peakMiB(kernelClass + ".nativeKernel", s),
                    peakMiB(kernelClass + ".libtorchEager", s)));
            lines.add(row.toString());
        }
        lines.add("");
        return lines;
    }

    private static String gbps(String shape, int bytesPerElement, double millis) {
        return bytesPerElement > 0 && !Double.isNaN(millis)
                ? String.format(Locale.ROOT, "%.1f", gigabytesPerSecond(shape, bytesPerElement, millis)) : "—";
    }

    private boolean has(String key, String shape) {
        return medians.containsKey(key) && !Double.isNaN(median(key, shape));
    }

    private boolean has(String key) {
        return medians.containsKey(key);
    }

    /** Model-level benchmarks of benchmarks/run --heavy (single-shot), when present in this run. */
    List<String> heavySections() {
        List<String> lines = new ArrayList<>();
        if (!has("GenerationBenchmark.withKvCache") && !has("LinearLogProbsBenchmark.nativeKernel")
                && !has("LinearPpoLossBenchmark.nativeKernel") && !has("PpoIterationBenchmark.iteration")) {
            lines.add("Model-level benchmarks (generation, training step, log-probs from hidden states) were not run "
                    + "this time: `benchmarks/run --heavy`.");
            lines.add("");
            return lines;
        }
        if (has("GenerationBenchmark.withKvCache")) {
            double tokens = GenerationBenchmark.BATCH * GenerationBenchmark.NEW_TOKENS;
            double with = median("GenerationBenchmark.withKvCache", "");
            double without = median("GenerationBenchmark.withoutKvCache", "");
            lines.add("### Generation and training, ~10M-parameter Llama-style model (single-shot medians)");
            lines.add("");
            lines.add("| what | time (ms) | tokens/s |");
            lines.add("|---|---:|---:|");
            lines.add(String.format(Locale.ROOT, "| greedy, batch %d, %d new tokens, KV cache | %.0f | %.0f |",
                    GenerationBenchmark.BATCH, GenerationBenchmark.NEW_TOKENS, with, tokens / with * 1000));
            lines.add(String.format(Locale.ROOT, "| same, full recomputation each step | %.0f | %.0f |", without,
                    tokens / without * 1000));
            double step = median("TrainStepBenchmark.causalLmStep", "");
            lines.add(String.format(Locale.ROOT, "| training step (forward, backward, AdamW), %d×%d tokens | %.0f | %.0f |",
                    TrainStepBenchmark.BATCH, TrainStepBenchmark.SEQ, step,
                    TrainStepBenchmark.BATCH * TrainStepBenchmark.SEQ / step * 1000));
            lines.add("");
        }
        if (has("LinearLogProbsBenchmark.nativeKernel")) {
            lines.add("### Log-probs from hidden states [N×H] and head [V×H], forward + backward (single-shot medians)");
            lines.add("");
            lines.add("| N / H / V | fused chunked (ms) | eager matmul + log_softmax + autograd (ms) | fused / eager time "
                    + "| peak extra MiB fused | peak extra MiB eager | fused / eager memory |");
            lines.add("|---|---:|---:|---:|---:|---:|---:|");
            for (String sh : List.of("1024/768/50257", "4096/896/151936")) {
                double f = median("LinearLogProbsBenchmark.nativeKernel", sh);
                double e = median("LinearLogProbsBenchmark.libtorchEager", sh);
                lines.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %s | %s | %s |", sh, f, e, f / e,
                        peakMiB("LinearLogProbsBenchmark.nativeKernel", sh),
                        peakMiB("LinearLogProbsBenchmark.libtorchEager", sh),
                        ratio(peak("LinearLogProbsBenchmark.nativeKernel", sh),
                                peak("LinearLogProbsBenchmark.libtorchEager", sh))));
            }
            lines.add("");
        }
        if (has("LinearPpoLossBenchmark.nativeKernel")) {
            lines.add("### PPO policy loss from hidden states [N×H] and head [V×H], forward + backward (single-shot "
                    + "medians)");
            lines.add("");
            lines.add("| N / H / V | fused linear PPO loss (ms) | eager matmul + log_softmax + PPO loss + autograd (ms) "
                    + "| fused / eager time | peak extra MiB fused | peak extra MiB eager | fused / eager memory |");
            lines.add("|---|---:|---:|---:|---:|---:|---:|");
            for (String sh : List.of("1024/768/50257", "4096/896/151936")) {
                double f = median("LinearPpoLossBenchmark.nativeKernel", sh);
                double e = median("LinearPpoLossBenchmark.libtorchEager", sh);
                lines.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %s | %s | %s |", sh, f, e, f / e,
                        peakMiB("LinearPpoLossBenchmark.nativeKernel", sh),
                        peakMiB("LinearPpoLossBenchmark.libtorchEager", sh),
                        ratio(peak("LinearPpoLossBenchmark.nativeKernel", sh),
                                peak("LinearPpoLossBenchmark.libtorchEager", sh))));
            }
            lines.add("");
        }
        if (has("PpoIterationBenchmark.iteration")) {
            lines.addAll(ppoIterationSection());
        }
        lines.add("### Goals of the model-level issues");
        lines.add("");
        if (has("GenerationBenchmark.withKvCache")) {
            lines.add(check("Generation speed-up of the KV cache at 128 new tokens",
                    median("GenerationBenchmark.withoutKvCache", "") / median("GenerationBenchmark.withKvCache", ""), 5,
                    "×"));
        }
        if (has("LinearLogProbsBenchmark.nativeKernel")) {
            String sh = "4096/896/151936";
            long fusedPeak = peak("LinearLogProbsBenchmark.nativeKernel", sh);
            long eagerPeak = peak("LinearLogProbsBenchmark.libtorchEager", sh);
            double mem = fusedPeak < 0 || eagerPeak <= 0 ? Double.NaN : fusedPeak / (double) eagerPeak;
            lines.add(String.format(Locale.ROOT, "- Fused linear scoring at N=4096, V=151936, peak memory / eager's: "
                    + "%.3f (goal ≤ 0.125) — %s", mem, mem <= 0.125 ? "met" : "NOT met (or not measured)"));
            double time = median("LinearLogProbsBenchmark.nativeKernel", sh)
                    / median("LinearLogProbsBenchmark.libtorchEager", sh);
            lines.add(String.format(Locale.ROOT, "- Fused linear scoring at N=4096, V=151936, time / eager's: %.2f "
                    + "(goal ≤ 1.3) — %s", time, time <= 1.3 ? "met" : "NOT met"));
        }
        if (has("LinearPpoLossBenchmark.nativeKernel")) {
            String sh = "4096/896/151936";
            lines.add(check("Fused linear PPO loss at N=4096, V=151936, speed-up over eager scoring + eager PPO loss",
                    median("LinearPpoLossBenchmark.libtorchEager", sh) / median("LinearPpoLossBenchmark.nativeKernel", sh),
                    1, "×") + " (goal: faster than eager)");
        }
        lines.add("");
        return lines;
    }

    long peak(String key, String param) {
        Map<String, Long> byParam = peaks.get(key);
        Long v = byParam == null ? null : byParam.get(param);
        return v == null ? -1 : v;
    }

    private static String ratio(long a, long b) {
        return a < 0 || b <= 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", a / (double) b);
    }

    static String check(String what, double value, double goal, String unit) {
        return String.format(Locale.ROOT, "- %s: %.2f%s (goal ≥ %.2f%s) — %s", what, value, unit, goal, unit,
                value >= goal ? "met" : "NOT met");
    }

    List<String> report(String machine, String command) {
        List<String> shapes = List.of("64x512", "256x1024", "512x4096");
        List<String> out = new ArrayList<>();
        out.add("# Benchmark results");
        out.add("");
        out.add("Generated by `" + command + "` (medians of sampled invocation times, or of single shots for the");
        out.add("model-level tables; the two sides of every ratio come from the same run, so compare ratios rather");
        out.add("than absolute times on this shared machine, whose speed varies from run to run). GB/s counts the");
        out.add("bytes a kernel must move (inputs read once, outputs written once); the copy column is a parallel");
        out.add("memcpy of the same traffic on the same threads into a preallocated buffer.");
        out.add("");
        out.add(machine);
        out.add("");
        out.addAll(kernelTable("GAE (rewards, values, mask → advantages, returns: 17 B per element)", "GaeBenchmark",
                GaeBenchmark.BYTES_PER_ELEMENT, shapes));
        out.addAll(kernelTable("Masked whitening (x, mask → out: 9 B per element)", "WhitenBenchmark",
                WhitenBenchmark.BYTES_PER_ELEMENT, shapes));
        out.addAll(fusedTable("Fused PPO loss, forward + backward (token-mean, clipped value loss, k3 KL, entropy; "
                + "45 B per token)", "PpoLossBenchmark", PpoLossBenchmark.BYTES_PER_ELEMENT,
                List.of("64x1024", "256x2048", "1024x2048")));
        out.addAll(fusedTable("Log-probs from logits [N×V], forward + backward", "LogProbsBenchmark", 0,
                List.of("1024x50257", "1024x151936")));
        out.addAll(heavySections());
        out.add("### Goals of the foundation issue");
        out.add("");
        out.add(check("GAE at 256×1024, speed-up over libtorch eager", speedup("GaeBenchmark", "libtorchEager", "256x1024"), 50, "×"));
        out.add(check("GAE at 256×1024, speed-up over plain Java (both into preallocated outputs)",
                median("GaeBenchmark.plainJava", "256x1024") / median("GaeBenchmark.nativePreallocated", "256x1024"),
                2, "×"));
        out.add(check("GAE at 512×4096, fraction of copy bandwidth (preallocated outputs)",
                preallocatedBandwidthFraction("GaeBenchmark", GaeBenchmark.BYTES_PER_ELEMENT, "512x4096"), 0.5, ""));
        out.add(check("Whitening at 512×4096, fraction of copy bandwidth (preallocated outputs)",
                preallocatedBandwidthFraction("WhitenBenchmark", WhitenBenchmark.BYTES_PER_ELEMENT, "512x4096"), 0.5,
                ""));
        out.add("");
        out.add("### Goals of the fused PPO loss issue");
        out.add("");
        out.add(check("PPO forward+backward at 256×2048, speed-up over eager + autograd",
                speedup("PpoLossBenchmark", "libtorchEager", "256x2048"), 5, "×"));
        out.add(check("PPO forward+backward at 1024×2048, fraction of copy bandwidth (gradients handed to autograd)",
                bandwidthFraction("PpoLossBenchmark", PpoLossBenchmark.BYTES_PER_ELEMENT, "1024x2048"), 0.4, ""));
        if (has("PpoLossBenchmark.nativePreallocated", "1024x2048")) {
            out.add(check("PPO forward+backward at 1024×2048, fraction of copy bandwidth (into preallocated gradients)",
                    preallocatedBandwidthFraction("PpoLossBenchmark", PpoLossBenchmark.BYTES_PER_ELEMENT, "1024x2048"),
                    0.4, ""));
        }
        out.add("");
        return out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 5) {
            throw new IllegalArgumentException(
                    "usage: ResultsTable RESULTS_MD MACHINE COMMAND PEAK_MEMORY_TSV JMH_JSON [JMH_JSON...]");
        }
        ObjectMapper mapper = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ArrayNode runs = mapper.createArrayNode();
        for (int i = 4; i < args.length; i++) {
            mapper.readTree(Path.of(args[i]).toFile()).forEach(runs::add);
        }
        ResultsTable table = new ResultsTable(runs);
        if (Files.exists(Path.of(args[3]))) {
            table.addPeaks(Files.readAllLines(Path.of(args[3])));
        }
        List<String> lines = table.report(args[1], args[2]);
        Path target = Path.of(args[0]);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, lines);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
