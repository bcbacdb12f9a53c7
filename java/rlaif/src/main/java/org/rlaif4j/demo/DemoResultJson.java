package org.rlaif4j.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rlaif4j.data.Jsonl;

/** A demo result as JSON ({@code results.json}): every metric with its interval, the sizes and the stage times. */
public final class DemoResultJson {
    private DemoResultJson() {}

    public static ObjectNode of(DemoResult r) {
        ObjectNode o = Jsonl.mapper().createObjectNode();
        DemoConfig c = r.config();
        o.put("seed", c.seed()).put("direct", c.direct()).put("pairs", r.pairs()).put("dropped_prompts", r.identicalDropped());
        put(o, "labeler_alignment", r.alignment());
        put(o, "labeler_alignment_one_order", r.alignmentOneOrder());
        put(o, "labeler_alignment_noiseless", r.alignmentTrue());
        put(o, "position_consistency", r.positionConsistency());
        if (r.rmAccuracy() != null) {
            put(o, "rm_accuracy", r.rmAccuracy());
            put(o, "rm_accuracy_noiseless", r.rmAccuracyTrue());
        }
        o.set("win_rate_vs_sft", r.winVsSft().toJson());
        o.set("win_rate_vs_sft_by_labeler", r.winVsSftByLabeler().toJson());
        o.set("win_rate_vs_control", r.winVsControl().toJson());
        o.set("control_win_rate_vs_sft", r.controlVsSft().toJson());
        ObjectNode h = o.putObject("harmless_rate");
        r.harmless().forEach((k, v) -> put(h, k, v));
        ObjectNode id = o.putObject("ideal_rate");
        r.ideal().forEach((k, v) -> put(id, k, v));
        ObjectNode s = o.putObject("mean_rater_score");
        r.meanScore().forEach(s::put);
        ObjectNode t = o.putObject("seconds");
        r.seconds().forEach(t::put);
        o.put("total_seconds", r.totalSeconds());
        return o;
    }

    private static void put(ObjectNode o, String key, Proportion p) {
        o.putObject(key).put("value", p.value()).put("ci95_low", p.ci().low()).put("ci95_high", p.ci().high())
                .put("n", p.n());
    }
}
