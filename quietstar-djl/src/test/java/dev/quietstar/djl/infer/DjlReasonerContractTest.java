package dev.quietstar.djl.infer;

import dev.quietstar.api.Reasoner;
import dev.quietstar.core.testing.BaseReasonerTestCase;
import dev.quietstar.djl.DjlEngines;
import dev.quietstar.djl.thought.QuietStarModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class DjlReasonerContractTest extends BaseReasonerTestCase {

    private static QuietStarModel model;

    @BeforeAll
    static void load() {
        DjlEngines.pytorch();
        model = InferFixtures.model(21, 3, 256, true);
    }

    @AfterAll
    static void free() {
        model.close();
    }

    @Override
    protected Reasoner openReasoner() {
        return DjlReasoner.wrap(model);
    }

    @Override
    protected int thoughtLength() {
        return 3;
    }
}
