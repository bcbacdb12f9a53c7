package org.rlaif4j.benchmarks;

import org.openjdk.jmh.annotations.Param;
import org.rlaif4j.kernels.PpoConfig;

/**
 * {@link PpoLossBenchmark} (fused kernel vs eager libtorch + autograd, same inputs and options)
 * with GSPO's sequence-level ratio (a row reduction, the token pass and a row-gradient pass) and
 * CISPO's clipped stop-gradient weight as the policy term.
 */
public class PpoPolicyModesBenchmark extends PpoLossBenchmark {
    @Param({"GSPO", "CISPO"})
    public String policy;

    @Override
    protected PpoConfig.PolicyLoss policyLoss() {
        return PpoConfig.PolicyLoss.valueOf(policy);
    }
}
