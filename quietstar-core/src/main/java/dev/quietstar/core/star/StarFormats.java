package dev.quietstar.core.star;

import dev.quietstar.core.eval.AnswerMatching;
import java.util.List;
import java.util.Optional;

/** The formats the library ships. */
public final class StarFormats {

    private StarFormats() {}

    /**
     * A rationale in brackets right before the answer, the answer ending the line: the question
     * {@code Q: 437+448=?\nA: } is continued with {@code [15080800]885\n}. This is how the column-arithmetic corpus
     * writes its worked solutions. A continuation without the bracket is a direct answer with an empty rationale. The
     * hint is a line {@code (answer: 885)} before the last line of the question.
     *
     * @param maxNewTokens the longest continuation
     * @return the format
     */
    public static StarFormat bracketed(int maxNewTokens) {
        if (maxNewTokens < 3) {
            throw new IllegalArgumentException("maxNewTokens must be at least 3, was " + maxNewTokens);
        }
        return new StarFormat() {
            @Override
            public String prompt(StarProblem problem) {
                return problem.question();
            }

            @Override
            public String hintedPrompt(StarProblem problem) {
                String q = problem.question();
                int lastLine = q.lastIndexOf('\n', q.length() - 2);
                String hint = "(answer: " + problem.answer() + ")\n";
                return lastLine < 0 ? hint + q : q.substring(0, lastLine + 1) + hint + q.substring(lastLine + 1);
            }

            @Override
            public Optional<StarCompletion> parse(String generated) {
                if (!generated.startsWith("[")) {
                    // a direct answer: right or wrong, but no rationale to keep
                    int end = generated.indexOf('\n');
                    String answer = (end < 0 ? generated : generated.substring(0, end)).trim();
                    return answer.isEmpty() ? Optional.empty() : Optional.of(new StarCompletion("", answer));
                }
                int close = generated.indexOf(']');
                if (close < 0) {
                    return Optional.empty();
                }
                String rest = generated.substring(close + 1);
                int end = rest.indexOf('\n');
                String answer = (end < 0 ? rest : rest.substring(0, end)).trim();
                return answer.isEmpty() ? Optional.empty()
                        : Optional.of(new StarCompletion(generated.substring(1, close), answer));
            }

            @Override
            public String document(StarProblem problem, String rationale) {
                return problem.question() + "[" + rationale + "]" + problem.answer() + "\n";
            }

            @Override
            public List<String> stopStrings() {
                return List.of("\n");
            }

            @Override
            public int maxNewTokens() {
                return maxNewTokens;
            }

            @Override
            public String toString() {
                return "bracketed rationale, then the answer";
            }
        };
    }

    /**
     * GSM8K's layout: {@code Question: ...\nAnswer:} continued with the worked solution, a line {@code #### n} and a
     * blank line. The hint is {@code (the answer is n)} after the question.
     *
     * @param maxNewTokens the longest continuation
     * @return the format
     */
    public static StarFormat gsm8k(int maxNewTokens) {
        if (maxNewTokens < 3) {
            throw new IllegalArgumentException("maxNewTokens must be at least 3, was " + maxNewTokens);
        }
        return new StarFormat() {
            @Override
            public String prompt(StarProblem problem) {
                return "Question: " + problem.question().strip() + "\nAnswer:";
            }

            @Override
            public String hintedPrompt(StarProblem problem) {
                return "Question: " + problem.question().strip() + " (the answer is " + problem.answer()
                        + ")\nAnswer:";
            }

            @Override
            public Optional<StarCompletion> parse(String generated) {
                int mark = generated.indexOf("####");
                if (mark < 0) {
                    return Optional.empty();
                }
                return AnswerMatching.extractNumber(generated.substring(mark + 4))
                        .map(n -> new StarCompletion(generated.substring(0, mark).strip(), n));
            }

            @Override
            public String document(StarProblem problem, String rationale) {
                return prompt(problem) + " " + rationale.strip() + "\n#### " + problem.answer() + "\n\n";
            }

            @Override
            public List<String> stopStrings() {
                return List.of("\n\n", "\nQuestion:");
            }

            @Override
            public int maxNewTokens() {
                return maxNewTokens;
            }

            @Override
            public String toString() {
                return "GSM8K (rationale, then #### answer)";
            }
        };
    }
}
