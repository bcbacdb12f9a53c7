package org.rlaif4j.dist;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rlaif4j.cli.Main;
import org.rlaif4j.model.Ops;
import org.rlaif4j.model.ScalarHeadModel;
import org.rlaif4j.reward.Synthetic;
import picocli.CommandLine;

/** Data-parallel reward-model training with Gloo across two child JVMs on localhost. */
class DataParallelTest {
    @TempDir
    Path tmp;

    private List<String> trainRm(Path lm, Path data, Path out, int gradAccum) {
        return new ArrayList<>(List.of("train-rm", "--model", lm.toString(), "--data", data.toString(), "--out",
                out.toString(), "--eval-fraction", "0", "--max-steps", "3", "--micro-batch", "4", "--grad-accum",
                Integer.toString(gradAccum), "--lr", "1e-2", "--schedule", "constant", "--save-every", "0",
                "--eval-every", "0", "--seed", "3", "--quiet"));
    }

    private static ProcessBuilder cli(List<String> args, Path log) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    }

    private static Map<String, float[]> params(Path dir) {
        return RankChecks.snapshot(ScalarHeadModel.load(dir).namedParameters());
    }

    @Test
    void twoRanksEndIdenticalAndEqualToOneProcessOnTheCombinedBatch() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(48, 5));

        // two ranks through `launch`: each takes 4 pairs of every 8-pair step
        List<String> launch = new ArrayList<>(List.of("launch", "-n", "2", "--jvm-arg=-Xmx512m"));
        launch.addAll(trainRm(lm, data, tmp.resolve("ddp"), 1));
        launch.addAll(List.of("--dist-timeout-s", "120"));
        Path log = tmp.resolve("launch.log");
        Process p = cli(launch, log).start();
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "launch finished in time");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("[rank 0] reward model (causal-lm, 3 steps"), out);
        assertTrue(out.contains("[rank 1] rank 1 of 2: done; max |parameter - rank 0's| = 0"), "ranks in sync: " + out);
        assertFalse(Files.exists(tmp.resolve("ddp/checkpoint-1")));

        // one process, the same 8 pairs per step as two micro-batches of 4
        StringWriter sw = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(sw));
        cl.setErr(new PrintWriter(sw));
        assertEquals(0, cl.execute(trainRm(lm, data, tmp.resolve("single"), 2).toArray(String[]::new)), sw.toString());

        Map<String, float[]> ddp = params(tmp.resolve("ddp/model"));
        Map<String, float[]> single = params(tmp.resolve("single/model"));
        double diff = RankChecks.maxDiff(ddp, single);
        assertTrue(diff < 1e-4, "data-parallel vs single-process parameters differ by " + diff);
        Map<String, float[]> init = params(tmp.resolve("single/model")); // training moved them: the check is not vacuous
        ScalarHeadModel fresh = ScalarHeadModel.fromCausalLm(lm, 3);
        double moved = 0;
        for (Map.Entry<String, Tensor> e : fresh.namedParameters().entrySet()) {
            float[] a = Ops.toFloats(e.getValue());
            float[] b = init.get(e.getKey());
            for (int i = 0; i < a.length; i++) {
                moved = Math.max(moved, Math.abs(a[i] - b[i]));
            }
        }
        assertTrue(moved > 1e-3, "3 steps at lr 1e-2 moved the parameters by " + moved);
    }

    @Test
    void killingOneRankMakesTheOtherFailFastWithAClearError() throws Exception {
        Path lm = Synthetic.tinyLm(tmp.resolve("lm"), 32);
        Path data = Synthetic.write(tmp.resolve("prefs.jsonl"), Synthetic.pairs(48, 6));
        int port = RankChecks.freePort();
        Process[] ranks = new Process[2];
        Path[] logs = new Path[2];
        for (int r = 0; r < 2; r++) {
            List<String> args = trainRm(lm, data, tmp.resolve("out"), 1);
            args.set(args.indexOf("--max-steps") + 1, "100000");
            args.addAll(List.of("--rank", Integer.toString(r), "--world-size", "2", "--master-addr", "127.0.0.1",
                    "--master-port", Integer.toString(port), "--dist-timeout-s", "30"));
            logs[r] = tmp.resolve("rank" + r + ".log");
            ranks[r] = cli(args, logs[r]).start();
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (!Files.readString(logs[0]).contains("train-rm:")) {  // printed after the parameter broadcast
                assertTrue(System.nanoTime() < deadline && ranks[0].isAlive(), "rank 0 started: " + Files.readString(logs[0]));
                Thread.sleep(200);
            }
            Thread.sleep(1_000);
            RankChecks.killRankOneAndExpectRankZeroToFailFast(ranks, logs[0]);
        } finally {
            for (Process p : ranks) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void ranksComeFromFlagsOrTorchrunEnvironmentAndAreChecked() {
        Map<String, String> env = Map.of("RANK", "1", "WORLD_SIZE", "4", "MASTER_ADDR", "10.0.0.1", "MASTER_PORT", "1234");
        DistConfig c = DistConfig.resolve(null, null, null, null, null, Duration.ofSeconds(5), 1 << 20, env::get);
        assertEquals(List.of(1, 4, 1, "10.0.0.1", 1234), List.of(c.rank(), c.worldSize(), c.localRank(), c.masterAddr(),
                c.masterPort()));
        DistConfig flags = DistConfig.resolve(0, 2, 0, "h", 99, Duration.ofSeconds(5), 1 << 20, env::get);
        assertEquals(List.of(0, 2, "h", 99), List.of(flags.rank(), flags.worldSize(), flags.masterAddr(), flags.masterPort()));
        assertFalse(DistConfig.resolve(null, null, null, null, null, Duration.ofSeconds(5), 1, k -> null).distributed());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DistConfig.resolve(4, 4, null, "h", 1, Duration.ofSeconds(5), 1, k -> null));
        assertEquals("rank (--rank or RANK): expected 0 .. 3, found 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DistConfig.resolve(null, null, null, null, null, Duration.ofSeconds(5), 1, Map.of("WORLD_SIZE", "two")::get));
        assertEquals("environment variable WORLD_SIZE: expected an integer, found 'two'", e.getMessage());
    }
}
