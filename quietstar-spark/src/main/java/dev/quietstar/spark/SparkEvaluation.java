package dev.quietstar.spark;

import dev.quietstar.core.eval.EvalRow;
import dev.quietstar.core.eval.EvalSummary;
import dev.quietstar.core.eval.SettingResult;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The outcome of {@link QuietStarSpark#evaluate}: one row per question and setting, and the summary
 * {@code quietstar eval} prints, computed from those rows in question order (so its numbers equal a single-process
 * evaluation of the same set bit for bit; only tokens per second, a wall-time measurement summed over the tasks'
 * generation time, differs).
 *
 * @param examples per question and setting: {@code setting}, {@code setting_order}, {@code index} (the question's
 *     position in the set), {@code answer_log_probs}, {@code correct_tokens}, {@code answer_probability},
 *     {@code thoughts}, {@code mean_mixing_weight}, {@code generated}, {@code predicted}, {@code exact_match},
 *     {@code mixing_weight_sum}, {@code generated_tokens} and {@code batch_generation_seconds} (the wall time of
 *     the generation batch the question starts, 0 for the batch's other questions); kept in the executors' memory
 *     (spilling to disk), so reading it again does not evaluate again
 * @param settings per setting, the result with every question's details, in the order of the options' settings
 * @param summary the table of {@code quietstar eval}
 */
public record SparkEvaluation(Dataset<Row> examples, List<SettingResult> settings, EvalSummary summary) {

    /** Copies the list. */
    public SparkEvaluation {
        settings = List.copyOf(settings);
    }

    /**
     * The summary rows.
     *
     * @return one row per setting
     */
    public List<EvalRow> rows() {
        return summary.rows();
    }
}
