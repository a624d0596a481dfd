package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThoughtReportTest {

    private static final Pattern TOKEN_SPAN = Pattern.compile("<span class=\"tok ([a-z]+)\"[^>]*>");

    @TempDir
    Path dir;

    private static ThoughtReport report() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", "tiny <gpt>");
        info.put("seed", 7);
        return ThoughtReport.builder().title("Sample & <test>").score(ReportFixtures.tenTokens())
                .steps(ReportFixtures.fiveSteps()).runInfo(info).build();
    }

    @Test
    void rendersOneSpanPerTokenInOrderWithTheirDirection() {
        String html = report().toHtml();
        Matcher m = TOKEN_SPAN.matcher(html);
        List<String> directions = new ArrayList<>();
        while (m.find()) {
            directions.add(m.group(1));
        }
        assertThat(directions).containsExactly("up", "down", "up", "flat", "up", "down", "up", "up", "down", "up");
        assertThat(html).contains("data-i=\"0\"").contains("data-i=\"9\"").doesNotContain("data-i=\"10\"");
    }

    @Test
    void colourIsGreenWhenThinkingHelpsAndRedWhenItHurtsAndSaturatesAtMaxDelta() {
        String html = report().toHtml();
        String helped = spanOf(html, 4); // delta +2 = maxDelta
        String hurt = spanOf(html, 5); // delta −1
        String neutral = spanOf(html, 3); // delta 0
        String beyond = spanOf(html, 9); // delta +4, clipped
        assertThat(helped).contains("background:rgba(22,163,74,0.800)");
        assertThat(hurt).contains("background:rgba(220,38,38,0.460)");
        assertThat(neutral).doesNotContain("background");
        assertThat(beyond).contains("background:rgba(22,163,74,0.800)");
        // A legend explains the colours.
        assertThat(html).contains("class=\"legend\"").contains("(helped)").contains("(hurt)");
    }

    @Test
    void escapesTokensThoughtsTitleAndRunInfo() {
        String html = report().toHtml();
        assertThat(html).contains("&lt;script&gt;alert(&#39;tok&#39;)&lt;/script&gt;");
        assertThat(html).contains("&lt;img src=x onerror=&quot;document.body.dataset.pwned=&#39;1&#39;&quot;&gt;");
        assertThat(html).contains("<title>Sample &amp; &lt;test&gt;</title>");
        assertThat(html).contains("<td>tiny &lt;gpt&gt;</td>").contains("<td>7</td>");
        assertThat(html).doesNotContain("<script>alert").doesNotContain("<img").doesNotContain("<gpt>");
        // Exactly the page's own two script elements.
        assertThat(count(html, "<script>")).isEqualTo(2);
        assertThat(html).contains(" &amp;</span>");
    }

    @Test
    void tooltipAndDataCarryThoughtWeightAndProbabilities() {
        String span = spanOf(report().toHtml(), 1);
        // Token 1: base −0.5, think −0.75, weight 0.1, thought "thought 1".
        assertThat(span).contains("data-thought=\"thought 1\"").contains("data-w=\"0.1000\"")
                .contains("data-pb=\"" + String.format(java.util.Locale.ROOT, "%.4g", Math.exp(-0.5)) + "\"")
                .contains("data-pt=\"" + String.format(java.util.Locale.ROOT, "%.4g", Math.exp(-0.75)) + "\"")
                .contains("data-d=\"-0.2500 nats\"");
        assertThat(span).contains("title=\"thought: thought 1&#10;mixing weight: 0.1000&#10;p without thought: 0.6065"
                + "&#10;p with thought: 0.4724&#10;delta: -0.2500 nats\"");
        assertThat(report().toHtml()).contains("id=\"details\"").contains("id=\"d-thought\"");
    }

    @Test
    void newlinesAreVisibleAndStillBreakTheLine() {
        String html = report().toHtml();
        assertThat(html).contains(">\u21b5\n</span>");
        assertThat(html).contains("white-space:pre-wrap");
    }

    @Test
    void summaryShowsTheComputedNumbers() {
        String html = report().toHtml();
        assertThat(html).contains("<td id=\"summary-tokens\">10</td>")
                .contains("<td id=\"summary-base-total\">-15.500</td>")
                .contains("<td id=\"summary-think-total\">-9.050</td>")
                .contains("<td id=\"summary-improved\">60.0%</td>")
                .contains("<td id=\"summary-mean-weight\">0.4500</td>")
                .contains("<td id=\"summary-hardest-decile\">+4.0000</td>");
    }

    @Test
    void drawsFourChartsWhenThereAreStepsAndSaysSoWhenThereAreNone() {
        String html = report().toHtml();
        assertThat(count(html, "<svg ")).isEqualTo(4);
        assertThat(html).contains("total loss").contains("base NLL").contains("talk NLL").contains("mean reward")
                .contains("mean mixing weight").doesNotContain("no training metrics");
        // Step 3 is NaN: the line is broken, and no NaN reaches the SVG coordinates.
        assertThat(html).doesNotContain("NaN");

        String empty = ThoughtReport.builder().title("t").score(ReportFixtures.tenTokens()).build().toHtml();
        assertThat(empty).contains("no training metrics").doesNotContain("<svg");
    }

    @Test
    void pageIsSelfContained() {
        String html = report().toHtml();
        // The only URL is the SVG namespace name, which is never fetched.
        String withoutNamespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assertThat(withoutNamespace).doesNotContain("http:").doesNotContain("https:").doesNotContain("//cdn")
                .doesNotContain(" src=\"").doesNotContain("<link").doesNotContain("@import")
                .doesNotContain("url(");
        assertThat(html).contains("Content-Security-Policy").contains("default-src 'none'");
    }

    @Test
    void writesUtf8FileAndCreatesFolders() throws IOException {
        Path file = dir.resolve("a/b/report.html");
        report().writeTo(file);
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(report().toHtml());
    }

    @Test
    void writingNeverOverwritesAFileThatIsNotAnEarlierReport() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.html"), "<p>mine</p>");
        // writeTo used to overwrite any file
        assertThatThrownBy(() -> report().writeTo(notes, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a file that is not a thought report quietstar wrote");
        assertThat(notes).hasContent("<p>mine</p>");
        Path page = dir.resolve("report.html");
        report().writeTo(page);
        assertThatThrownBy(() -> report().writeTo(page)).hasMessageContaining("already exists")
                .hasMessageContaining("--replace");
        report().writeTo(page, true);
        assertThat(Files.readString(page)).startsWith("<!DOCTYPE html>").contains(ThoughtReport.GENERATOR_META);
        // a page written before the generator tag existed is recognised as a report
        Files.writeString(page, report().toHtml().replace(ThoughtReport.GENERATOR_META + "\n", ""));
        report().writeTo(page, true);
        assertThat(Files.readString(page)).contains(ThoughtReport.GENERATOR_META);
    }

    @Test
    void builderNamesWhatIsMissing() {
        assertThatThrownBy(() -> ThoughtReport.builder().score(ReportFixtures.tenTokens()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("title");
        assertThatThrownBy(() -> ThoughtReport.builder().title("x").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("TextScore");
        assertThatThrownBy(() -> ThoughtReport.builder().maxDelta(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDelta");
    }

    @Test
    void controlCharactersAreShownNotEmitted() {
        String s = Html.text("a\u0000b\u0007c");
        assertThat(s).isEqualTo("a\u2400b\u2407c");
    }

    private static String spanOf(String html, int index) {
        int at = html.indexOf("data-i=\"" + index + "\"");
        assertThat(at).as("span for token %d", index).isPositive();
        int start = html.lastIndexOf("<span", at);
        int end = html.indexOf("</span>", at);
        return html.substring(start, end);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
