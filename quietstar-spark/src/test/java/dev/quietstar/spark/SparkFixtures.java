package dev.quietstar.spark;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quietstar.api.config.QuietStarConfig;
import dev.quietstar.core.text.ByteTokenizer;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.model.CausalDecoder;
import dev.quietstar.djl.model.DecoderConfig;
import dev.quietstar.djl.thought.QuietStarModel;
import dev.quietstar.examples.cli.QuietStarCommand;
import dev.quietstar.examples.data.ColumnArithmeticCorpus;
import dev.quietstar.examples.demo.DemoPlan;
import dev.quietstar.examples.demo.QuietStarDemo;
import dev.quietstar.onnx.export.OnnxExporter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/** The models, data, Spark session and command line the Spark tests share. */
final class SparkFixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SparkFixtures() {}

    /** The command line's exit code and output. */
    record Cli(int exitCode, String out, String err) {}

    /**
     * Runs the {@code quietstar} command line in this JVM.
     *
     * @param args its arguments
     * @return what it printed
     */
    static Cli cli(String... args) {
        CommandLine cl = QuietStarCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    /**
     * A local Spark with two worker threads where a failed task is tried up to three times (the second number of
     * {@code local[2,3]}); one session for all test classes of the JVM.
     *
     * @return the session
     */
    static SparkSession session() {
        return SparkSession.builder().master("local[2,3]").appName("quietstar-spark-tests")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
    }

    /**
     * Saves a random 2-layer, width-32 byte-level GPT-2 that thinks 2 tokens, and exports it to ONNX.
     *
     * @param dir where to write {@code checkpoint} and {@code export}
     * @param seed weights seed
     * @return the export folder (the checkpoint is its sibling {@code checkpoint})
     * @throws IOException when the folders cannot be written
     */
    static Path tinyExport(Path dir, long seed) throws IOException {
        Path checkpoint = dir.resolve("checkpoint");
        DjlEngines.pytorch();
        CausalDecoder d = CausalDecoder.random(DecoderConfig.gpt2(ByteTokenizer.VOCAB_SIZE, 32, 2, 4, 128),
                Device.cpu(), seed);
        try (QuietStarModel model = QuietStarModel.create(d, ByteTokenizer.instance(),
                QuietStarConfig.official().withShape(2, 2, 1, 32), seed)) {
            model.save(checkpoint, null);
        }
        return OnnxExporter.builder().setCheckpoint(checkpoint).setOutput(dir.resolve("export")).build().export()
                .folder();
    }

    /**
     * The demo's first held-out arithmetic problems (at most 500) as a GSM8K-layout JSON Lines file, as {@code quietstar eval}
     * reads it: the prompt is {@code "Q: a+b=?\nA: "} and the gold answer the sum.
     *
     * @param file the file to write
     * @param count problems
     * @return the file
     * @throws IOException when it cannot be written
     */
    static Path demoQuestions(Path file, int count) throws IOException {
        // The README demo's 200 held-out problems, or the 500 of 'demo --full' when more are asked for.
        ColumnArithmeticCorpus corpus = QuietStarDemo.corpus(count <= 200 ? DemoPlan.standard() : DemoPlan.full());
        if (count > corpus.heldOut().size()) {
            throw new IllegalArgumentException("the demo has " + corpus.heldOut().size() + " held-out problems, "
                    + count + " asked for");
        }
        List<String> lines = new ArrayList<>();
        for (ColumnArithmeticCorpus.Problem p : corpus.heldOut().subList(0, count)) {
            String q = p.question();
            ObjectNode o = JSON.createObjectNode();
            o.put("question", q.substring("Q: ".length(), q.length() - "\nA: ".length()));
            o.put("answer", "#### " + p.answer());
            lines.add(JSON.writeValueAsString(o));
        }
        return Files.write(file, lines);
    }
}
