package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import org.rlaif4j.dist.DataParallel;
import org.rlaif4j.dist.DistConfig;
import picocli.CommandLine.Option;

/**
 * Data-parallel flags shared by the training commands. Each defaults to torchrun's environment
 * variable, so {@code rlaif4j launch -n 2 train-rm ...} (or torchrun-style launchers) need none.
 */
final class DistributedOptions {
    @Option(names = "--rank", description = "This process's rank (default: env RANK, else 0).")
    Integer rank;

    @Option(names = "--world-size", description = "Processes in the job (default: env WORLD_SIZE, else 1 = not distributed).")
    Integer worldSize;

    @Option(names = "--local-rank", description = "Rank on this machine (default: env LOCAL_RANK, else the rank).")
    Integer localRank;

    @Option(names = "--master-addr", description = "Host of rank 0, which hosts the rendezvous TCP store (default: env MASTER_ADDR).")
    String masterAddr;

    @Option(names = "--master-port", description = "Port of the rendezvous TCP store (default: env MASTER_PORT, else 29500).")
    Integer masterPort;

    @Option(names = "--dist-timeout-s", defaultValue = "300",
            description = "Rendezvous and collective timeout: a dead or stuck rank makes the others fail after this. Default: ${DEFAULT-VALUE}.")
    long timeoutS;

    @Option(names = "--grad-bucket-mb", defaultValue = "25", description = "Gradients are all-reduced in buckets of this size. Default: ${DEFAULT-VALUE}.")
    double bucketMb;

    /** The process group these flags (or torchrun's environment) describe; a no-op one for a single process. */
    DataParallel open() {
        return DataParallel.open(resolve());
    }

    /** What a rank other than 0 prints at the end: rank 0 reports, the others confirm they ended in sync. */
    static void reportInSync(PrintWriter out, DataParallel dp, double maxDrift) {
        out.printf(Locale.ROOT, "rank %d of %d: done; max |parameter - rank 0's| = %.3g%n", dp.rank(), dp.worldSize(),
                maxDrift);
        out.flush();
    }

    DistConfig resolve() {
        if (timeoutS < 1) {
            throw new IllegalArgumentException("--dist-timeout-s: expected >= 1, found " + timeoutS);
        }
        return DistConfig.resolve(rank, worldSize, localRank, masterAddr, masterPort, Duration.ofSeconds(timeoutS),
                Math.max(1, (long) (bucketMb * (1 << 20))), System::getenv);
    }
}
