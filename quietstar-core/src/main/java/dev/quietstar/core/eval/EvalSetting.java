package dev.quietstar.core.eval;

import dev.quietstar.api.ThinkingPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One way of running the model during an evaluation: where it thinks, and whether its thoughts are real.
 *
 * <p>The policy decides, before every answer token, whether a thought precedes it; it sees the prompt plus the
 * answer so far, exactly as in generation. With {@code constantThought} every sampled thought token is replaced by
 * one fixed token (the evaluator's {@code constantThoughtId}): the model still spends the extra forward passes and
 * the mixing head still blends, but the thought carries no content. Comparing such a row with the same policy's
 * real-thought row tells whether the content of the thoughts matters.
 *
 * @param name the label shown in tables, such as {@code "thinking off"}
 * @param policy where to think; {@link ThinkingPolicy#never()} evaluates the base model
 * @param constantThought whether every thought token is replaced by the constant token
 */
public record EvalSetting(String name, ThinkingPolicy policy, boolean constantThought) {

    /** The trigger after which the {@code once} setting thinks: every prompt of the evaluation sets ends with it. */
    public static final String ANSWER_TRIGGER = "A: ";

    /** Checks the fields. */
    public EvalSetting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an evaluation setting needs a name, such as \"thinking off\"");
        }
    }

    /**
     * The base model: no thought anywhere.
     *
     * @return the setting
     */
    public static EvalSetting thinkingOff() {
        return new EvalSetting("thinking off", ThinkingPolicy.never(), false);
    }

    /**
     * A thought before every answer token, as in the paper.
     *
     * @return the setting
     */
    public static EvalSetting everyToken() {
        return new EvalSetting("thinking on, every token", ThinkingPolicy.everyToken(), false);
    }

    /**
     * One thought, before the first answer token: the text so far ends with {@code trigger}.
     *
     * @param trigger the prompt suffix that starts the answer, such as {@value #ANSWER_TRIGGER}
     * @return the setting
     */
    public static EvalSetting atAnswerStart(String trigger) {
        return new EvalSetting("thinking once at answer start", ThinkingPolicy.afterTriggers(List.of(trigger)),
                false);
    }

    /**
     * A thought where the model's thinking gate predicts a gain above a threshold.
     *
     * @param threshold the smallest predicted gain, in nats, that earns a thought
     * @return the setting, named {@code "thinking adaptive (gain > threshold)"}
     */
    public static EvalSetting adaptive(double threshold) {
        return new EvalSetting("thinking adaptive (gain > " + threshold + ")", ThinkingPolicy.adaptive(threshold),
                false);
    }

    /**
     * The same placement of thoughts with every thought token replaced by the evaluator's constant token.
     *
     * @return the ablation setting, named after this one with {@code ", constant thought"} appended
     */
    public EvalSetting withConstantThought() {
        return new EvalSetting(name + ", constant thought", policy, true);
    }

    /**
     * Parses a comma-separated list of setting names: {@code off}, {@code every}, {@code once} (think once after
     * {@code trigger}), {@code constant} (every token, constant thought), {@code constant-once} and
     * {@code adaptive[:threshold]} (where the thinking gate predicts a gain above the threshold, default 0 nats).
     *
     * @param csv the names, such as {@code "off,every,once"}
     * @param trigger the trigger of {@code once} and {@code constant-once}
     * @return the settings, in the order given
     * @throws IllegalArgumentException naming an unknown or repeated setting
     */
    public static List<EvalSetting> parse(String csv, String trigger) {
        Objects.requireNonNull(csv, "csv");
        List<EvalSetting> settings = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        for (String raw : csv.split(",")) {
            String key = raw.trim().toLowerCase(Locale.ROOT);
            if (key.isEmpty()) {
                continue;
            }
            if (seen.contains(key)) {
                throw new IllegalArgumentException("evaluation setting '" + key + "' is listed twice in \"" + csv
                        + "\"");
            }
            seen.add(key);
            Double threshold = dev.quietstar.core.infer.ThinkingPolicies.adaptiveThreshold(raw);
            if (threshold != null) {
                settings.add(adaptive(threshold));
                continue;
            }
            settings.add(switch (key) {
                case "off" -> thinkingOff();
                case "every" -> everyToken();
                case "once" -> atAnswerStart(trigger);
                case "constant" -> everyToken().withConstantThought();
                case "constant-once" -> atAnswerStart(trigger).withConstantThought();
                default -> throw new IllegalArgumentException("unknown evaluation setting '" + raw.trim()
                        + "'; use off, every, once, constant, constant-once or adaptive[:threshold]");
            });
        }
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("no evaluation setting given; use a list such as off,every,once");
        }
        return List.copyOf(settings);
    }
}
