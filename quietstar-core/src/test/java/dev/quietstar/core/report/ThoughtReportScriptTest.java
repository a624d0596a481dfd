package dev.quietstar.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.htmlunit.BrowserVersion;
import org.htmlunit.ScriptException;
import org.htmlunit.WebClient;
import org.htmlunit.html.DomElement;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.javascript.JavaScriptErrorListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a written report's script in HtmlUnit, a browser written in Java that comes from Maven Central, so the check
 * runs on any machine with Java and Maven: the script wires up every token and chart, fills the details panel, and
 * reports no error; nothing from the report's text is executed. {@link ThoughtReportBrowserTest} does the same in
 * headless Chromium where that is installed.
 */
class ThoughtReportScriptTest {

    @TempDir
    Path dir;

    @Test
    void theReportsScriptRunsToTheEndWithoutErrorsAndExecutesNothingFromTheText() throws Exception {
        Path page = dir.resolve("report.html");
        ThoughtReport.builder().title("Browser check <b>").score(ReportFixtures.tenTokens())
                .steps(ReportFixtures.fiveSteps()).runInfo(Map.of("model", "<i>tiny</i>")).build().writeTo(page);
        List<String> errors = new ArrayList<>();
        try (WebClient client = new WebClient(BrowserVersion.FIREFOX)) {
            client.getOptions().setThrowExceptionOnScriptError(false);
            client.getOptions().setCssEnabled(false);
            client.setJavaScriptErrorListener(new JavaScriptErrorListener() {
                @Override
                public void scriptException(HtmlPage p, ScriptException e) {
                    errors.add("script: " + e.getMessage());
                }

                @Override
                public void timeoutError(HtmlPage p, long allowed, long executed) {
                    errors.add("timeout");
                }

                @Override
                public void malformedScriptURL(HtmlPage p, String url, java.net.MalformedURLException e) {
                    errors.add("url: " + url);
                }

                @Override
                public void loadScriptError(HtmlPage p, java.net.URL url, Exception e) {
                    errors.add("load: " + url);
                }

                @Override
                public void warn(String message, String sourceName, int line, String lineSource, int lineOffset) {
                    // warnings are not errors
                }
            });
            HtmlPage html = client.getPage(page.toUri().toURL());
            client.waitForBackgroundJavaScript(5_000);
            assertThat(errors).as("script errors").isEmpty();
            DomElement body = html.getBody();
            // Set by the page's own script once it has wired up every token: proves the script ran to the end.
            assertThat(body.getAttribute("data-ready")).isEqualTo("yes");
            assertThat(body.getAttribute("data-tokens")).isEqualTo("10");
            assertThat(body.getAttribute("data-charts")).isEqualTo("4");
            assertThat(body.getAttribute("data-pwned")).as("the script tag in a token never ran").isEmpty();
            assertThat(html.getElementsByTagName("img")).as("the img tag in a thought is text").isEmpty();
            assertThat(html.getByXPath("//span[contains(@class,'tok ')]")).hasSize(10);
            assertThat(html.getElementsByTagName("svg")).hasSize(4);
            assertThat(html.getElementById("js-errors").getTextContent()).as("the page's own error sink").isEmpty();
            assertThat(html.getElementById("d-thought").getTextContent()).isEqualTo("thought 0");
            assertThat(html.getElementById("d-index").getTextContent()).isEqualTo("1 of 10");
            assertThat(html.getElementById("d-delta").getTextContent()).isEqualTo("+0.5000 nats");
        }
        assertThat(Files.size(page)).isPositive();
    }
}
