package org.rlaif4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rlaif4j launch -n N CMD...}: N local worker processes of this CLI with torchrun's
 * environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), their output prefixed with
 * {@code [rank k]}. When one fails the others are stopped, and the exit code is the first failure's.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = {"Run N worker processes of an rlaif4j command on this machine for data-parallel training, "
                + "e.g. `rlaif4j launch -n 2 train-rm --model M --data D --out O`.",
            "Each gets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and MASTER_PORT (a free port unless given); "
                + "output lines are prefixed [rank k]; if one exits with an error the others are stopped and its exit code returned."})
public final class LaunchCommand implements Callable<Integer> {
    @Option(names = {"-n", "--nproc"}, required = true, description = "Worker processes to start.")
    int n;

    @Option(names = "--master-port", description = "Rendezvous port (default: a free port).")
    Integer masterPort;

    @Option(names = "--node-rank", defaultValue = "0",
            description = "This machine's index when several run `launch` (ranks start at node-rank × n). Default: ${DEFAULT-VALUE}.")
    int nodeRank;

    @Option(names = "--nnodes", defaultValue = "1", description = "Machines in the job, each running `launch -n N`. Default: ${DEFAULT-VALUE}.")
    int nnodes;

    @Option(names = "--master-addr", defaultValue = "127.0.0.1", description = "Host of global rank 0. Default: ${DEFAULT-VALUE}.")
    String masterAddr;

    @Option(names = "--jvm-arg", description = "Extra JVM option for each worker (repeatable), e.g. --jvm-arg=-Xmx4g.")
    List<String> jvmArgs = new ArrayList<>();

    @Option(names = "--grace-s", defaultValue = "10", description = "After a failure, how long the others get to exit before they are killed. Default: ${DEFAULT-VALUE}.")
    long graceS;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The rlaif4j command and its arguments, run in every worker.")
    List<String> command;

    @Spec
    CommandSpec spec;

    /**
     * The intra-op threads of each of {@code workers} local workers, when the launcher's own
     * environment does not set OMP_NUM_THREADS: the machine's cores shared out (at least 1), as
     * torchrun caps them. Without a cap every worker's libtorch and kernels start one thread per
     * core, and N workers oversubscribe the machine N times (on 2 cores, 2 workers of
     * train-rm ran at 0.56x one process's throughput that way).
     */
    static java.util.OptionalInt threadsPerWorker(String ompNumThreads, int cores, int workers) {
        if (ompNumThreads != null && !ompNumThreads.isBlank()) {
            return java.util.OptionalInt.empty(); // the user's choice goes to the workers unchanged
        }
        return java.util.OptionalInt.of(Math.max(1, cores / workers));
    }

    @Override
    public Integer call() throws Exception {
        if (n < 1) {
            throw new IllegalArgumentException("-n: expected >= 1 worker, found " + n);
        }
        if (nnodes < 1 || nodeRank < 0 || nodeRank >= nnodes) {
            throw new IllegalArgumentException("--node-rank: expected 0 .. --nnodes - 1 = " + (nnodes - 1) + ", found " + nodeRank);
        }
        if (nnodes > 1 && masterPort == null) {
            throw new IllegalArgumentException("--master-port: required with --nnodes > 1 (every machine must use the same port)");
        }
        PrintWriter out = spec.commandLine().getOut();
        int port = masterPort != null ? masterPort : freePort();
        List<Process> workers = new ArrayList<>(n);
        List<Thread> pumps = new ArrayList<>(n);
        Thread stopAll = new Thread(() -> workers.forEach(Process::destroy), "launch-shutdown");
        Runtime.getRuntime().addShutdownHook(stopAll); // Ctrl-C on the launcher stops the workers too
        try {
            for (int local = 0; local < n; local++) {
                int rank = nodeRank * n + local;
                ProcessBuilder pb = new ProcessBuilder(workerCommand()).redirectErrorStream(true);
                pb.environment().put("RANK", Integer.toString(rank));
                pb.environment().put("WORLD_SIZE", Integer.toString(n * nnodes));
                pb.environment().put("LOCAL_RANK", Integer.toString(local));
                pb.environment().put("LOCAL_WORLD_SIZE", Integer.toString(n));
                pb.environment().put("MASTER_ADDR", masterAddr);
                pb.environment().put("MASTER_PORT", Integer.toString(port));
                threadsPerWorker(System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), n)
                        .ifPresent(t -> pb.environment().put("OMP_NUM_THREADS", Integer.toString(t)));
                Process p = pb.start();
                workers.add(p);
                Thread t = new Thread(() -> pump(p, "[rank " + rank + "] ", out), "launch-rank-" + rank);
                t.setDaemon(true);
                t.start();
                pumps.add(t);
            }
            int code = supervise(workers);
            for (Thread t : pumps) {
                t.join(5_000);   // the rest of each worker's output
            }
            return code;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopAll);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs anyway
            }
        }
    }

    /** Waits for all workers; on the first failure stops the rest. Returns 0 or that first failure's code. */
    private int supervise(List<Process> workers) throws InterruptedException {
        int firstFailure = 0;
        List<Process> running = new ArrayList<>(workers);
        while (!running.isEmpty()) {
            for (Process p : List.copyOf(running)) {
                if (p.waitFor(100, TimeUnit.MILLISECONDS)) {
                    running.remove(p);
                    if (p.exitValue() != 0 && firstFailure == 0) {
                        firstFailure = p.exitValue();
                        int rank = workers.indexOf(p) + nodeRank * n;
                        spec.commandLine().getErr().printf("launch: rank %d exited with code %d; stopping the other workers%n",
                                rank, firstFailure);
                        spec.commandLine().getErr().flush();
                        stop(running);
                    }
                }
            }
        }
        return firstFailure;
    }

    private void stop(List<Process> running) throws InterruptedException {
        running.forEach(Process::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceS);
        for (Process p : running) {
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** This JVM's java, class path and the worker's arguments, with org.rlaif4j.cli.Main as the entry point. */
    private List<String> workerCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(command);
        return cmd;
    }

    private static void pump(Process p, String prefix, PrintWriter out) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (out) {
                    out.println(prefix + line);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the worker's pipe closed: nothing more to print
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("launch: cannot find a free port for MASTER_PORT", e);
        }
    }
}
