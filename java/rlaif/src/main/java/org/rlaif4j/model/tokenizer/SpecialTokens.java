package org.rlaif4j.model.tokenizer;

/** Ids of the special tokens; -1 when a checkpoint defines none. */
public record SpecialTokens(long bos, long eos, long pad) {
    /** The pad id, falling back to eos (common for decoder-only models), then 0. */
    public long padOrEos() {
        return pad >= 0 ? pad : eos >= 0 ? eos : 0;
    }
}
