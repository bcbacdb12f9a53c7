/**
 * {@code rlaif4j pipeline CONFIG.json}: the RLAIF stages in order from one config, each in its own
 * folder of the run directory, skipping finished stages so that a killed run resumes. See
 * {@link org.rlaif4j.pipeline.PipelinePlan} for the config and {@link org.rlaif4j.pipeline.PipelineRunner}
 * for what a rerun does.
 */
package org.rlaif4j.pipeline;
