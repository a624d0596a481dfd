package dev.quietstar.examples.cli;

import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.examples.demo.DemoPlan;
import dev.quietstar.examples.demo.DemoTraining;
import dev.quietstar.examples.demo.EstimatorStudy;
import dev.quietstar.examples.demo.QuietStarDemo;
import dev.quietstar.examples.demo.StoriesDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job: shows what thinking buys on a tiny model trained here.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a tiny byte-level model with Quiet-STaR on built-in arithmetic text, train plain "
                + "next-token controls from the same base, evaluate all of them on held-out problems, and print "
                + "what thinking changed.",
            "Every artifact lands under the output folder the demo prints."})
public final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = true)
    Size size = new Size();

    /** The preset. */
    static final class Size {
        @Option(names = "--quick", description = "Smoke-test sizes (about two minutes).")
        boolean quick;

        @Option(names = "--full", description = "More steps, more held-out problems and a thoughtLength sweep.")
        boolean full;
    }

    @Option(names = "--from-scratch",
            description = "Pretrain the base model here instead of starting from the shipped base checkpoint.")
    boolean fromScratch;

    @Option(names = "--pretrain-only",
            description = "Only pretrain the base model (as shipped in the jar) and stop; implies --from-scratch.")
    boolean pretrainOnly;

    @Option(names = "--base", paramLabel = "CHECKPOINT",
            description = "Start from this base checkpoint instead of the shipped one (for example the base/ folder "
                    + "of an earlier --pretrain-only run).")
    Path base;

    @Option(names = "--pretrain-steps", paramLabel = "N",
            description = "Pretraining steps with --from-scratch or --pretrain-only (default: the preset's).")
    Integer pretrainSteps;

    @Option(names = "--set", paramLabel = "FIELD=VALUE",
            description = "Override a field of the Quiet-STaR recipe, e.g. optimizer.mixingHeadLrMultiplier=300 "
                    + "(repeatable; thoughtLength comes from the preset).")
    java.util.List<String> overrides = new java.util.ArrayList<>();

    @Option(names = "--model", paramLabel = "NAME",
            description = "Run the demo on a shipped real pretrained model instead of the arithmetic one: "
                    + "stories260K (llama2.c's TinyStories Llama) continued with Quiet-STaR on its own stories.")
    String model;

    @Option(names = "--data", paramLabel = "FILE",
            description = "With --model stories260K: stories to use (.txt or .jsonl) instead of sampling them from the "
                    + "model; the last ones are held out.")
    Path data;

    @Option(names = "--study",
            description = "Instead of the demo table: train each reward estimator / objective variant (official, "
                    + "leave-one-out P=4, best-of-4, thought temperature 0.5) over --seeds seeds and the "
                    + "thoughtLength sweep (4, 12), and score the thoughts at every checkpoint.")
    boolean study;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "3",
            description = "Seeds per variant with --study (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Output folder. Default: quietstar-demo-<date-time> in the current folder.")
    Path output;

    /** Creates the command; picocli calls this. */
    public DemoCommand() {}

    @Override
    public Integer call() {
        DemoTraining.useOneEngineThread();
        PrintWriter out = spec.commandLine().getOut();
        DemoPlan plan = size.quick ? DemoPlan.quick() : size.full ? DemoPlan.full() : DemoPlan.standard();
        if (pretrainSteps != null) {
            if (pretrainSteps < 1) {
                throw new IllegalArgumentException("--pretrain-steps must be >= 1, was " + pretrainSteps);
            }
            plan = plan.withPretrainSteps(pretrainSteps);
        }
        Path dir = output != null ? output : Path.of("quietstar-demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        var backend = Backends.discover().select(Capability.TRAIN, Capability.INFER).create();
        if (data != null && model == null) {
            throw new IllegalArgumentException("--data is for --model stories260K; the arithmetic demo makes its own "
                    + "data");
        }
        if (model != null) {
            if (!"stories260K".equals(model)) {
                throw new IllegalArgumentException("--model must be stories260K (the shipped real model), was "
                        + model);
            }
            if (size.full || fromScratch || pretrainOnly || base != null || pretrainSteps != null
                    || !overrides.isEmpty()) {
                throw new IllegalArgumentException("--model stories260K takes only --quick, --data and --output");
            }
            StoriesDemo stories = new StoriesDemo(backend, size.quick ? StoriesDemo.Plan.quick()
                    : StoriesDemo.Plan.standard(), dir.toAbsolutePath(), out);
            if (data != null) {
                stories.useStories(data);
            }
            stories.run();
            out.flush();
            return 0;
        }
        if (study) {
            if (fromScratch || pretrainOnly || !overrides.isEmpty()) {
                throw new IllegalArgumentException("--study takes only --quick/--full, --base, --seeds and --output");
            }
            if (seeds < 1 || seeds > 20) {
                throw new IllegalArgumentException("--seeds must be in 1..20, was " + seeds);
            }
            java.util.List<Long> list = new java.util.ArrayList<>();
            for (int i = 0; i < seeds; i++) {
                list.add(plan.seed() + i);
            }
            new EstimatorStudy(backend, plan, dir.toAbsolutePath(), list, out)
                    .run(base == null ? null : base.toAbsolutePath());
            out.flush();
            return 0;
        }
        if (base != null && (fromScratch || pretrainOnly)) {
            throw new IllegalArgumentException("--base cannot be combined with --from-scratch or --pretrain-only");
        }
        QuietStarDemo demo = new QuietStarDemo(backend, plan, dir.toAbsolutePath(), fromScratch || pretrainOnly, out,
                overrides);
        if (base != null) {
            demo.useBase(base.toAbsolutePath());
        }
        if (pretrainOnly) {
            demo.pretrainOnly();
        } else {
            demo.run();
        }
        out.flush();
        return 0;
    }
}
