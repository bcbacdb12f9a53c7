// Plain float64 masked statistics and whitening, from include/rlaif/whiten.h.
#ifndef RLAIF_WHITEN_REFERENCE_H
#define RLAIF_WHITEN_REFERENCE_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

struct RefStats {
    double count, mean, var;
};

inline RefStats stats_reference(const std::vector<float> &x, const std::vector<uint8_t> &m) {
    double n = 0, s = 0;
    for (size_t i = 0; i < x.size(); ++i)
        if (m[i]) {
            n += 1;
            s += x[i];
        }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (n == 0) return {0, nan, nan};
    const double mean = s / n;
    double ss = 0;  // two-pass: exact enough for a reference
    for (size_t i = 0; i < x.size(); ++i)
        if (m[i]) ss += (x[i] - mean) * (x[i] - mean);
    return {n, mean, n >= 2 ? ss / (n - 1) : nan};
}

inline std::vector<double> whiten_reference(const std::vector<float> &x, const std::vector<uint8_t> &m,
                                            bool shift_mean, double eps) {
    const RefStats st = stats_reference(x, m);
    const double mean = st.count > 0 ? st.mean : 0.0;
    const double var = st.count >= 2 ? st.var : 0.0;
    std::vector<double> out(x.size(), 0.0);
    for (size_t i = 0; i < x.size(); ++i)
        if (m[i]) out[i] = (x[i] - mean) / std::sqrt(var + eps) + (shift_mean ? 0.0 : mean);
    return out;
}

#endif
