package org.rlaif4j.reward;

import org.rlaif4j.data.PreferenceRecord;

/**
 * One training pair: where it came from ({@code file:line}), its record, its source weight and the
 * token ids of prompt + response A and prompt + response B.
 */
public record PreferenceExample(String origin, PreferenceRecord record, double weight, long[] idsA, long[] idsB) {
    public double pA() {
        return record.pA();
    }
}
