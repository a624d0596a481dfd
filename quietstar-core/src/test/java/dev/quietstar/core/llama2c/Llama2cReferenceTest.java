package dev.quietstar.core.llama2c;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Pins the test oracle itself to llama2.c's C runtime: its greedy text is the one the model's README gives. */
class Llama2cReferenceTest {

    @Test
    void greedyContinuationOfTheReadmePromptIsTheReadmeText() throws Exception {
        Llama2cReference ref = Llama2cReference.load(Stories260K.weights(), Stories260K.tokenizer());
        Llama2cReference.Generation g = ref.generateGreedy(Stories260K.PROMPT, 256);
        assertThat(g.text()).startsWith(Stories260K.GREEDY_TEXT);
    }

    @Test
    void encodeStartsWithBosAndTheDummyPrefixMergedIntoTheFirstWord() throws Exception {
        Llama2cReference ref = Llama2cReference.load(Stories260K.weights(), Stories260K.tokenizer());
        // " Once" (403) and " upon" (407) are pieces of the vocabulary: the dummy-prefix space merges into "Once".
        assertThat(ref.encode("Once upon", true)).containsExactly(1, 403, 407);
        assertThat(ref.encode("", true)).containsExactly(1);
    }
}
