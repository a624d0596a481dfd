/**
 * The demo's generated training data, not library logic: {@link dev.quietstar.examples.data.ArithmeticCorpus}
 * (addition, multiplication and word problems with compact worked solutions, filler sentences, and held-out
 * problems whose operands no training document uses) and {@link dev.quietstar.examples.data.ColumnArithmeticCorpus}
 * (sums and differences below 1000 whose worked form spells out the columns, the data of {@code quietstar demo}).
 * Both are pure functions of their seed; the library's own data handling is {@code dev.quietstar.core.data}.
 */
package dev.quietstar.examples.data;
