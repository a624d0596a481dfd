package dev.quietstar.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with constants that is safe inside an autograd graph on DJL's PyTorch engine.
 *
 * <p>DJL's {@code NDArray.mul(Number)} and friends wrap the constant in a tensor that borrows a Java buffer and
 * close that tensor right after the operation; autograd, however, keeps the constant to compute the backward pass of
 * a product or quotient, and then reads memory the JVM no longer owns, which shows up as rare NaN gradients. These
 * helpers create the constant with a native {@code full}, owned by PyTorch and reference-counted by the graph.
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
        return x.getManager().full(new Shape(), (float) c, x.getDataType());
    }
}
