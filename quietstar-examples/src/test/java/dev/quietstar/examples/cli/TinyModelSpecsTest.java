package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.InvalidConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyModelSpecsTest {

    @Test
    void parsesAFullSpec() {
        TinyModelSpec s = TinyModelSpecs.parse("llama:vocab=300,hidden=32,layers=1,heads=2,positions=128,seed=9", 1);
        assertThat(s).isEqualTo(new TinyModelSpec("llama", 300, 32, 1, 2, 128, 9));
    }

    @Test
    void fillsDefaults() {
        assertThat(TinyModelSpecs.parse("", 5)).isEqualTo(new TinyModelSpec("gpt2", 261, 64, 2, 4, 512, 5));
        assertThat(TinyModelSpecs.parse("llama", 5)).isEqualTo(new TinyModelSpec("llama", 261, 64, 2, 4, 512, 5));
        assertThat(TinyModelSpecs.parse("hidden=32", 5)).isEqualTo(new TinyModelSpec("gpt2", 261, 32, 2, 4, 512, 5));
    }

    @Test
    void malformedSpecsNameTheProblem() {
        assertThatThrownBy(() -> TinyModelSpecs.parse("bert:hidden=32", 1)).isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("unknown architecture 'bert'");
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:width=32", 1)).hasMessageContaining("unknown key 'width'");
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:hidden", 1)).hasMessageContaining("'hidden' is not "
                + "key=value");
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:hidden=big", 1))
                .hasMessageContaining("hidden must be an integer, was 'big'");
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:hidden=30,heads=4", 1))
                .hasMessageContaining("heads must divide hiddenSize");
    }

    /** Each width in range, their products not: these used to fail as an internal error (integer overflow). */
    @Test
    void shapesWhoseTensorsOrTotalOverflowAnIntAreRefusedWithTheRange() {
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:vocab=1048576,hidden=65536,heads=1", 1))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("--tiny 'gpt2:vocab=1048576,hidden=65536,heads=1': the token embedding "
                        + "(vocabSize 1048576 x hiddenSize 65536) would have 68719476736 elements")
                .hasMessageContaining("at most " + TinyModelSpec.MAX_TENSOR_ELEMENTS);
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:hidden=40000,heads=1", 1))
                .hasMessageContaining("an MLP weight (hiddenSize 40000 x 160000)");
        assertThatThrownBy(() -> TinyModelSpecs.parse("gpt2:hidden=4096,heads=1,positions=1048576", 1))
                .hasMessageContaining("the position embedding (maxPositions 1048576 x hiddenSize 4096)");
        assertThatThrownBy(() -> TinyModelSpecs.parse("llama:hidden=8192,layers=256,heads=8", 1))
                .hasMessageContaining("a tiny model has at most " + TinyModelSpec.MAX_PARAMETERS + " parameters")
                .hasMessageContaining("lower hiddenSize or layers");
        assertThat(TinyModelSpecs.parse("llama:vocab=32000,hidden=2048,layers=2,heads=16", 1).hiddenSize())
                .isEqualTo(2048);
    }

    @Test
    void theCommandLineRefusesThemAsABadInput(@TempDir Path tmp) throws Exception {
        Path data = Files.writeString(tmp.resolve("d.txt"), "Some text.\n\nMore text.\n");
        CliRun r = CliRun.of("train", "--tiny", "gpt2:hidden=40000,heads=1", "--data", data.toString(), "--output",
                tmp.resolve("out").toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(tmp.resolve("out")).doesNotExist();
        assertThat(r.err()).contains("--tiny 'gpt2:hidden=40000,heads=1': an MLP weight")
                .doesNotContain("internal error");
    }
}
