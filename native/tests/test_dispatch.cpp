// The dispatcher picks the best kernel build the CPU runs, capped by
// RLAIF_CPU_ISA, so the *_baseline_isa and *_v3_isa test runs really exercise
// those builds.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rlaif/common.h"

int main() {
    __builtin_cpu_init();
    const bool v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                    __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    const char *cap = std::getenv("RLAIF_CPU_ISA");
    const char *want = v4 ? "x86-64-v4" : v3 ? "x86-64-v3" : "x86-64";
    if (cap != nullptr && std::strcmp(cap, "base") == 0) want = "x86-64";
    if (cap != nullptr && std::strcmp(cap, "v3") == 0 && v4) want = "x86-64-v3";
    const char *got = rlaif_cpu_isa();
    std::printf("RLAIF_CPU_ISA=%s: dispatched to %s (expected %s)\n", cap ? cap : "(unset)", got, want);
    return std::strcmp(got, want) == 0 ? 0 : 1;
}
