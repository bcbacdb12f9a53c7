// Plain float64 GAE, written from the definition in include/rlaif/gae.h.
#ifndef RLAIF_GAE_REFERENCE_H
#define RLAIF_GAE_REFERENCE_H

#include <cstddef>
#include <cstdint>
#include <vector>

inline void gae_reference(const std::vector<float> &r, const std::vector<float> &v, const std::vector<uint8_t> &m,
                          const std::vector<float> *boot, int64_t B, int64_t T, double gamma, double lambda,
                          std::vector<double> &adv, std::vector<double> &ret) {
    adv.assign(static_cast<size_t>(B * T), 0.0);
    ret.assign(static_cast<size_t>(B * T), 0.0);
    for (int64_t b = 0; b < B; ++b) {
        double next_value = boot ? (*boot)[static_cast<size_t>(b)] : 0.0;
        double next_adv = 0.0;
        for (int64_t t = T - 1; t >= 0; --t) {
            const size_t i = static_cast<size_t>(b * T + t);
            if (!m[i]) continue;
            const double delta = r[i] + gamma * next_value - v[i];
            next_adv = delta + gamma * lambda * next_adv;
            adv[i] = next_adv;
            ret[i] = next_adv + v[i];
            next_value = v[i];
        }
    }
}

#endif
