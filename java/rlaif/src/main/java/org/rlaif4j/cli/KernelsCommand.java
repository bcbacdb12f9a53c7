package org.rlaif4j.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.rlaif4j.kernels.NativeLibrary;
import org.rlaif4j.kernels.SelfCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code rlaif4j kernels}: loads the native library and checks every kernel against its reference. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "Load the native kernel library, run each kernel once on random data against its "
                + "reference, and print the result. Exit code 1 if any kernel disagrees.")
public final class KernelsCommand implements Callable<Integer> {
    @Option(names = "--seed", description = "Seed of the random inputs (default: ${DEFAULT-VALUE}).")
    long seed = 20261126L;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "rlaif4j %s, native library %s, CPU kernels for %s on %d threads%n",
                VersionProvider.version(), NativeLibrary.version(), NativeLibrary.cpuIsa(), NativeLibrary.cpuThreads());
        out.println(NativeLibrary.cudaCompiled()
                ? "CUDA kernels compiled for " + NativeLibrary.cudaArchitectures() + "; GPUs visible: "
                        + NativeLibrary.cudaDeviceCount()
                : "CUDA kernels: not in this build");
        out.println(waitPolicyLine(System.getenv("OMP_WAIT_POLICY")));
        List<SelfCheck.Result> results = SelfCheck.run(seed);
        boolean ok = true;
        for (SelfCheck.Result r : results) {
            out.printf(Locale.ROOT, "%-8s %-9s max |error| %.2e (bound %.0e)  %7.2f ms  %s%n", r.kernel(), r.shape(),
                    r.maxAbsError(), r.tolerance(), r.millis(), r.passed() ? "PASS" : "FAIL");
            ok &= r.passed();
        }
        out.println(ok ? "all kernels agree with their references" : "SOME KERNELS FAILED");
        out.flush();
        return ok ? 0 : 1;
    }

    /** libgomp reads OMP_WAIT_POLICY once, when it loads: say what this process got, and why it matters. */
    static String waitPolicyLine(String policy) {
        return policy == null || policy.isBlank()
                ? "OpenMP wait policy: libgomp's default (workers spin between parallel regions); small models run "
                        + "several times faster with OMP_WAIT_POLICY=PASSIVE set before the JVM starts (README, Threads)"
                : "OpenMP wait policy: " + policy.strip() + " (OMP_WAIT_POLICY)";
    }
}
