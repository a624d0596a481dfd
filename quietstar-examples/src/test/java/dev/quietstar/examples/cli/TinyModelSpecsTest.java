package dev.quietstar.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quietstar.api.TinyModelSpec;
import dev.quietstar.api.config.InvalidConfigException;
import org.junit.jupiter.api.Test;

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
}
