package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The size limit of bounded reads is inclusive; the version of a build run from classes. */
class BoundedFilesTest {

    @TempDir
    Path dir;

    @Test
    void aFileOfExactlyTheLimitIsReadAndOneByteMoreIsNot() throws Exception {
        Path f = dir.resolve("meta.json");
        Files.writeString(f, "12345");
        assertThat(BoundedFiles.readUtf8(f, 5, "metadata")).isEqualTo("12345");
        assertThatThrownBy(() -> BoundedFiles.readUtf8(f, 4, "metadata"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is 5 bytes, more than the 4 accepted");
    }

    @Test
    void classesOutsideAJarReportTheDevelopmentVersion() {
        assertThat(Provenance.class.getPackage().getImplementationVersion()).isNull();
        assertThat(Provenance.libraryVersion()).isEqualTo("development");
    }
}
