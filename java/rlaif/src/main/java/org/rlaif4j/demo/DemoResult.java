package org.rlaif4j.demo;

import java.util.List;
import java.util.Map;
import org.rlaif4j.eval.WinRate;

/**
 * What a demo run measured. Rater labels are annotator draws (Bradley-Terry noise); "true" means
 * the rater's noiseless preference (the higher documented score).
 *
 * @param pairs                 labelled pairs (two different SFT samples of one prompt)
 * @param identicalDropped      prompts whose two samples were identical, left out
 * @param alignment             AI label (debiased p_a) agrees with the annotator label
 * @param alignmentOneOrder     the same with only the A-first reading (no position debiasing)
 * @param alignmentTrue         debiased AI label agrees with the rater's noiseless preference
 * @param positionConsistency   both orders prefer the same response
 * @param rmAccuracy            reward model prefers the annotator's choice on held-out pairs (null with --direct)
 * @param rmAccuracyTrue        the same against the noiseless preference (null with --direct)
 * @param winVsSft              RLAIF policy over the SFT policy, rater judge
 * @param winVsSftByLabeler     the same, AI labeler judge (both orders)
 * @param winVsControl          RLAIF policy over the SFT control, rater judge
 * @param controlVsSft          SFT control over the SFT policy, rater judge
 * @param harmless              harmless rate on the harmful evaluation prompts, by policy name
 * @param meanScore             mean rater score on the evaluation prompts, by policy name
 * @param ideal                 share of exactly ideal responses, by policy name
 * @param calibration           labeler calibration bins: mean p_a, annotator frequency of A, count
 * @param ppoMetrics            PPO's metric rows (reward, kl, ...)
 * @param seconds               wall time by stage
 */
public record DemoResult(DemoConfig config, int pairs, int identicalDropped, Proportion alignment,
                         Proportion alignmentOneOrder, Proportion alignmentTrue, Proportion positionConsistency,
                         Proportion rmAccuracy, Proportion rmAccuracyTrue, WinRate.Result winVsSft,
                         WinRate.Result winVsSftByLabeler, WinRate.Result winVsControl, WinRate.Result controlVsSft,
                         Map<String, Proportion> harmless, Map<String, Double> meanScore, Map<String, Proportion> ideal,
                         List<double[]> calibration, List<Map<String, Double>> ppoMetrics, Map<String, Double> seconds) {
    public static final String SFT = "SFT";
    public static final String CONTROL = "SFT control";

    /** Name of the trained policy: "RLAIF" or "direct RLAIF". */
    public String rlaifName() {
        return config.direct() ? "direct RLAIF" : "RLAIF";
    }

    /** This result with other stage times (the evaluation's own time is known only after it returns). */
    public DemoResult withSeconds(Map<String, Double> stageSeconds) {
        return new DemoResult(config, pairs, identicalDropped, alignment, alignmentOneOrder, alignmentTrue,
                positionConsistency, rmAccuracy, rmAccuracyTrue, winVsSft, winVsSftByLabeler, winVsControl, controlVsSft,
                harmless, meanScore, ideal, calibration, ppoMetrics, stageSeconds);
    }

    public double totalSeconds() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
