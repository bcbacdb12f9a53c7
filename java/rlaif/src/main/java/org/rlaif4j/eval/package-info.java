/**
 * RLAIF evaluation metrics, each with a 95% Wilson score interval.
 *
 * <ul>
 *   <li>{@link org.rlaif4j.eval.Alignment}: how often an AI labeler agrees with human labels;</li>
 *   <li>{@link org.rlaif4j.eval.WinRate}: how often a {@link org.rlaif4j.eval.PreferenceJudge}
 *       prefers policy X's response over policy Y's;</li>
 *   <li>{@link org.rlaif4j.eval.HarmlessRate}: the share of responses a
 *       {@link org.rlaif4j.eval.HarmlessnessJudge} finds harmless.</li>
 * </ul>
 *
 * <p>Judges are two one-method interfaces so that any judge can be plugged in: {@link
 * org.rlaif4j.eval.RuleJudge} (keyword/regex rules, from JSON), {@link
 * org.rlaif4j.eval.RewardModelJudge} (p = σ(r_x - r_y)), and an AI labeler through an adapter.
 * Results are written as JSON and a markdown table by {@link org.rlaif4j.eval.EvalReport}.
 */
package org.rlaif4j.eval;
