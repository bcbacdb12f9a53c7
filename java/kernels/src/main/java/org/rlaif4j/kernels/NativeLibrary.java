package org.rlaif4j.kernels;

import org.rlaif4j.kernels.bindings.RlaifCudaNative;
import org.rlaif4j.kernels.bindings.RlaifNative;

/** Facts about the loaded native kernel library, for self-checks and bug reports. */
public final class NativeLibrary {
    private NativeLibrary() {}

    /** Loads libtorch and the kernel library (idempotent) and returns the native version string. */
    public static String version() {
        return RlaifNative.rlaif_version();
    }

    /** OpenMP threads the CPU kernels use. */
    public static int cpuThreads() {
        return RlaifNative.rlaif_num_threads();
    }

    /** Instruction set the CPU kernels run with: "x86-64-v4" (AVX-512), "x86-64-v3" (AVX2 + FMA) or "x86-64". */
    public static String cpuIsa() {
        return RlaifNative.rlaif_cpu_isa();
    }

    /** Whether the library holds compiled CUDA kernels. */
    public static boolean cudaCompiled() {
        return RlaifCudaNative.rlaif_cuda_compiled() != 0;
    }

    /** CUDA architectures the kernels were compiled for, e.g. "80-real,90a-real,90-virtual"; "" without CUDA. */
    public static String cudaArchitectures() {
        return RlaifCudaNative.rlaif_cuda_architectures();
    }

    /** CUDA devices visible to the kernel library (0 without a driver or GPU). */
    public static int cudaDeviceCount() {
        return RlaifCudaNative.rlaif_cuda_device_count();
    }
}
