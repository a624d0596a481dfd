package dev.quietstar.examples.cli;

import dev.quietstar.api.spi.Capability;
import dev.quietstar.core.backend.Backends;
import dev.quietstar.core.io.OutputFolder;
import dev.quietstar.core.io.OutputKind;
import dev.quietstar.examples.demo.DemoPlan;
import dev.quietstar.examples.demo.DemoTraining;
import dev.quietstar.examples.demo.EstimatorStudy;
import dev.quietstar.examples.demo.QuietStarDemo;
import dev.quietstar.examples.demo.StoriesDemo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
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
    List<String> overrides = new ArrayList<>();

    @Option(names = "--model", paramLabel = "NAME",
            description = "Run the demo on a shipped real pretrained model instead of the arithmetic one: "
                    + "stories260K (llama2.c's TinyStories Llama) continued with Quiet-STaR on its own stories.")
    String model;

    @Option(names = "--data", paramLabel = "FILE",
            description = "With --model stories260K: stories to use (.txt or .jsonl) instead of sampling them from the "
                    + "model; the last ones are held out.")
    Path data;

    @Option(names = "--star",
            description = "Instead of the demo table: plain training, Quiet-STaR, STaR with visible rationales and "
                    + "STaR-supervised hidden thoughts at equal wall time (the Quiet-STaR run's), with paired "
                    + "standard errors and constant-thought ablations; writes star-comparison.md.")
    boolean star;

    @Option(names = "--study",
            description = "Instead of the demo table: train each reward estimator / objective variant (official, "
                    + "leave-one-out P=4, best-of-4, thought temperature 0.5) over --seeds seeds and the "
                    + "thoughtLength sweep (4, 12), and score the thoughts at every checkpoint.")
    boolean study;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "3",
            description = "Seeds per variant with --study (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--output", paramLabel = "DIR",
            description = "Output folder: a new or empty folder, or an earlier output of the same demo with --replace "
                    + "(a --study continues its own earlier study). Default: a new quietstar-demo-<date-time> in the "
                    + "current folder.")
    Path output;

    @Option(names = "--replace", description = "Replace an earlier output of the same demo in --output: it is moved "
            + "aside in one rename, deleted when the new run completes and put back if it fails. A folder holding "
            + "anything else is never replaced.")
    boolean replace;

    /** The arithmetic demo's output (recognised before the marker by its results and report). */
    static final OutputKind DEMO = OutputKind.folder("demo", "demo output", "results.json", "results.md",
            "report.html");
    /** The output of {@code --pretrain-only}. */
    static final OutputKind PRETRAIN = OutputKind.folder("demo-pretrain", "demo --pretrain-only output");
    /** The output of {@code --study}, which a later study continues (recognised before the marker by its JSON). */
    static final OutputKind STUDY = OutputKind.folder("demo-study", "demo --study output", "study.json");
    /** The output of {@code --star}. */
    static final OutputKind STAR = OutputKind.folder("demo-star", "demo --star output", "star-comparison.md");
    /** The output of {@code --model stories260K}. */
    static final OutputKind STORIES = OutputKind.folder("demo-stories", "demo --model stories260K output",
            "stories260K-hf", "stories-heldout.jsonl");

    /** Creates the command; picocli calls this. */
    public DemoCommand() {}

    @Override
    public Integer call() throws IOException {
        DemoPlan plan = size.quick ? DemoPlan.quick() : size.full ? DemoPlan.full() : DemoPlan.standard();
        if (pretrainSteps != null) {
            if (pretrainSteps < 1) {
                throw new IllegalArgumentException("--pretrain-steps must be >= 1, was " + pretrainSteps);
            }
            plan = plan.withPretrainSteps(pretrainSteps);
        }
        if (data != null && model == null) {
            throw new IllegalArgumentException("--data is for --model stories260K; the arithmetic demo makes its own "
                    + "data");
        }
        OutputKind kind;
        if (model != null) {
            if (!"stories260K".equals(model)) {
                throw new IllegalArgumentException("--model must be stories260K (the shipped real model), was "
                        + model);
            }
            if (size.full || fromScratch || pretrainOnly || base != null || pretrainSteps != null
                    || !overrides.isEmpty()) {
                throw new IllegalArgumentException("--model stories260K takes only --quick, --data and --output");
            }
            kind = STORIES;
        } else if (star) {
            if (study || fromScratch || pretrainOnly || base != null || pretrainSteps != null || size.full) {
                throw new IllegalArgumentException("--star takes only --quick, --set and --output");
            }
            kind = STAR;
        } else if (study) {
            if (fromScratch || pretrainOnly || !overrides.isEmpty()) {
                throw new IllegalArgumentException("--study takes only --quick/--full, --base, --seeds and --output");
            }
            if (seeds < 1 || seeds > 20) {
                throw new IllegalArgumentException("--seeds must be in 1..20, was " + seeds);
            }
            kind = STUDY;
        } else {
            if (base != null && (fromScratch || pretrainOnly)) {
                throw new IllegalArgumentException("--base cannot be combined with --from-scratch or --pretrain-only");
            }
            kind = pretrainOnly ? PRETRAIN : DEMO;
        }
        // A default folder is new (its name has the time); a given one follows the output policy. A study continues
        // its own earlier study, reusing its finished runs.
        Path dir = output != null ? output : Path.of("quietstar-demo-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        try (OutputFolder.Claim claim = OutputFolder.builder(dir, kind).replaceExisting(replace)
                .continueExisting(kind == STUDY).input("--base checkpoint", base).input("--data file", data).build()
                .claim()) {
            run(plan, claim.openInPlace().toAbsolutePath());
            claim.commit();
        }
        return 0;
    }

    private void run(DemoPlan plan, Path dir) {
        DemoTraining.useOneEngineThread();
        PrintWriter out = spec.commandLine().getOut();
        var backend = Backends.discover().select(Capability.TRAIN, Capability.INFER).create();
        if (model != null) {
            StoriesDemo stories = new StoriesDemo(backend, size.quick ? StoriesDemo.Plan.quick()
                    : StoriesDemo.Plan.standard(), dir, out);
            if (data != null) {
                stories.useStories(data);
            }
            stories.run();
        } else if (star) {
            new dev.quietstar.examples.demo.StarComparison(backend, plan, dir, out, overrides).run();
        } else if (study) {
            List<Long> list = new ArrayList<>();
            for (int i = 0; i < seeds; i++) {
                list.add(plan.seed() + i);
            }
            new EstimatorStudy(backend, plan, dir, list, out).run(base == null ? null : base.toAbsolutePath());
        } else {
            QuietStarDemo demo = new QuietStarDemo(backend, plan, dir, fromScratch || pretrainOnly, out, overrides);
            if (base != null) {
                demo.useBase(base.toAbsolutePath());
            }
            if (pretrainOnly) {
                demo.pretrainOnly();
            } else {
                demo.run();
            }
        }
        out.flush();
    }
}
