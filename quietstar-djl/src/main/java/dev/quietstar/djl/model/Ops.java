package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with constants that is safe inside an autograd graph on DJL's PyTorch engine.
 *
 * <p>DJL's {@code NDArray.mul(Number)} and friends wrap the constant in a tensor that borrows a Java buffer and
 * close that tensor right after the operation; autograd, however, keeps the constant to compute the backward pass of
 * a product or quotient, and then reads memory the JVM no longer owns, which shows up as rare NaN gradients. These
 * helpers create the constant with a native {@code full}, owned by PyTorch and reference-counted by the graph. The
 * constant lives in x's manager: pass activations (which live in a per-step scope), not weights, as x.
 */
public final class Ops {

    private Ops() {}

    /**
     * x times a constant.
     *
     * @param x the array
     * @param c the constant
     * @return x * c, in x's manager and type
     */
    public static NDArray mul(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    /**
     * x divided by a constant.
     *
     * @param x the array
     * @param c the constant
     * @return x / c
     */
    public static NDArray div(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    /**
     * x plus a constant.
     *
     * @param x the array
     * @param c the constant
     * @return x + c
     */
    public static NDArray add(NDArray x, double c) {
        return x.add(constant(x, c));
    }

    /**
     * max(x, c) element-wise.
     *
     * @param x the array
     * @param c the constant
     * @return the maximum
     */
    public static NDArray max(NDArray x, double c) {
        return x.maximum(constant(x, c));
    }

    /**
     * A 0-dimensional constant of x's type, created natively in x's manager.
     *
     * @param x the array whose manager and type to use
     * @param c the value
     * @return the constant
     */
    public static NDArray constant(NDArray x, double c) {
        return constant(x.getManager(), c, x.getDataType());
    }

    /**
     * A 0-dimensional constant created natively in a given manager (use the caller's scope when x is a weight, so
     * the constant does not accumulate in the weights' manager).
     *
     * @param manager owner of the constant
     * @param c the value
     * @param type its data type
     * @return the constant
     */
    public static NDArray constant(ai.djl.ndarray.NDManager manager, double c, ai.djl.ndarray.types.DataType type) {
        return manager.full(new Shape(), (float) c, type);
    }
}
