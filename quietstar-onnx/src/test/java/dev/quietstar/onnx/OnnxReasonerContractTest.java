package dev.quietstar.onnx;

import dev.quietstar.api.Reasoner;
import dev.quietstar.core.testing.BaseReasonerTestCase;
import dev.quietstar.onnx.export.OnnxExporter;
import dev.quietstar.onnx.infer.OnnxReasoner;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

class OnnxReasonerContractTest extends BaseReasonerTestCase {

    @TempDir
    static Path tmp;
    private static Path exported;

    @BeforeAll
    static void export() throws Exception {
        Path ckpt = TinyCheckpointFiles.llama(tmp.resolve("ckpt"), 21, 3);
        exported = OnnxExporter.builder().setCheckpoint(ckpt).setOutput(tmp.resolve("onnx")).build().export()
                .folder();
    }

    @Override
    protected Reasoner openReasoner() {
        return OnnxReasoner.open(exported);
    }

    @Override
    protected int thoughtLength() {
        return 3;
    }
}
