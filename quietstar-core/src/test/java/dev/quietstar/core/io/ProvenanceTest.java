package dev.quietstar.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quietstar.api.config.QuietStarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsThroughAFileWithSnakeCaseKeys() throws IOException {
        Provenance p = Provenance.capture("quietstar train --steps 3", 42L, QuietStarConfig.official(),
                "arithmetic-corpus(seed=42)", Map.of("zeta", "last", "backend", "djl-pytorch"));
        Path file = dir.resolve("provenance.json");
        p.write(file);

        Provenance read = Provenance.read(file);
        assertThat(read).isEqualTo(p);
        assertThat(read.notes().keySet()).containsExactly("backend", "zeta");
        assertThat(read.config().get("thoughtLength").asInt()).isEqualTo(9);

        JsonNode json = new ObjectMapper().readTree(Files.readString(file));
        assertThat(json.has("created_at")).isTrue();
        assertThat(json.has("quietstar_version")).isTrue();
        assertThat(json.get("java_version").asText()).isEqualTo(System.getProperty("java.version"));
        assertThat(json.get("seed").asLong()).isEqualTo(42L);
        assertThat(json.get("data").asText()).isEqualTo("arithmetic-corpus(seed=42)");
        assertThat(Files.readString(file)).contains("\n  \"created_at\"");
        assertThat(Instant.parse(read.createdAt())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void toleratesMissingConfigAndUnknownFields() {
        Provenance p = Provenance.fromJson("{\"created_at\":\"2024-01-01T00:00:00Z\",\"seed\":7,\"config\":null,"
                + "\"added_later\":true}");
        assertThat(p.seed()).isEqualTo(7L);
        assertThat(p.config()).isNull();
        assertThat(p.notes()).isEmpty();
    }

    @Test
    void invalidFileIsNamed() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "[1, 2]");
        assertThatThrownBy(() -> Provenance.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString());
    }
}
