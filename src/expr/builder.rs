//! A builder that reads well from Rust: expression handles with operator
//! overloading, and the [`Model`] it produces.

use std::cell::RefCell;
use std::ops::{Add, Div, Mul, Neg, Sub};

use super::{ExprError, Func, Graph, NodeId};
use crate::tensor::{Shape, Tensor};

/// A loss ready to be evaluated, bounded or minimized: a graph, its scalar
/// objective and the initial value of every parameter.
#[derive(Clone, Debug)]
pub struct Model {
    /// The expression graph.
    pub graph: Graph,
    /// The objective node (a scalar).
    pub loss: NodeId,
    /// Initial value of each parameter, by parameter index.
    pub init: Vec<Tensor>,
}

impl Model {
    /// A model from its parts.
    ///
    /// # Errors
    /// [`ExprError::NotScalar`] if `loss` is not a scalar, and
    /// [`ExprError::ParamShape`] if an initial value has the wrong shape.
    pub fn new(graph: Graph, loss: NodeId, init: Vec<Tensor>) -> Result<Self, ExprError> {
        let shape = graph.shape(loss);
        if shape != Shape::Scalar {
            return Err(ExprError::NotScalar(shape));
        }
        assert_eq!(init.len(), graph.params().len(), "one initial value per parameter");
        for (p, v) in graph.params().iter().zip(&init) {
            if p.shape != v.shape() {
                return Err(ExprError::ParamShape { name: p.name.clone(), got: v.shape(), want: p.shape });
            }
        }
        Ok(Model { graph, loss, init })
    }

    /// Replaces the initial value of the parameter `name`.
    ///
    /// # Errors
    /// If there is no such parameter or the value has the wrong shape.
    pub fn set_init(&mut self, name: &str, value: Tensor) -> Result<(), ExprError> {
        let i = self.graph.param_index(name).ok_or_else(|| ExprError::UnknownParam(name.to_string()))?;
        let want = self.graph.params()[i].shape;
        // A one-element list may set a scalar, and a scalar a one-element vector.
        let value =
            if value.shape() != want && value.shape().len() == want.len() { value.reshape(want) } else { value };
        if value.shape() != want {
            return Err(ExprError::ParamShape { name: name.to_string(), got: value.shape(), want });
        }
        self.init[i] = value;
        Ok(())
    }

    /// Total number of scalar parameters.
    pub fn num_scalars(&self) -> usize {
        self.graph.params().iter().map(|p| p.shape.len()).sum()
    }
}

/// Builds a graph from Rust with operator overloading.
///
/// ```
/// use majorize::Builder;
/// let b = Builder::new();
/// let x = b.scalar_param("x", -1.2).unwrap();
/// let y = b.scalar_param("y", 1.0).unwrap();
/// let rosenbrock = (1.0 - x).powi(2) + 100.0 * (y - x.powi(2)).powi(2);
/// let model = b.minimize(rosenbrock).unwrap();
/// assert_eq!(model.graph.params().len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    graph: RefCell<Graph>,
    init: RefCell<Vec<Tensor>>,
}

/// A handle on a node of a [`Builder`]'s graph.
///
/// Operators and methods panic (with the [`ExprError`] message) when shapes do
/// not fit, as faer's operators do; use the fallible methods of [`Graph`]
/// where shapes come from user input.
#[derive(Clone, Copy, Debug)]
pub struct Expr<'b> {
    b: &'b Builder,
    id: NodeId,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn wrap(&self, id: NodeId) -> Expr<'_> {
        Expr { b: self, id }
    }

    /// A parameter with its initial value (which fixes its shape).
    ///
    /// # Errors
    /// [`ExprError::Duplicate`] if the name is taken.
    pub fn param(&self, name: &str, init: Tensor) -> Result<Expr<'_>, ExprError> {
        let id = self.graph.borrow_mut().param(name, init.shape())?;
        self.init.borrow_mut().push(init);
        Ok(self.wrap(id))
    }

    /// A scalar parameter.
    ///
    /// # Errors
    /// [`ExprError::Duplicate`] if the name is taken.
    pub fn scalar_param(&self, name: &str, init: f64) -> Result<Expr<'_>, ExprError> {
        self.param(name, Tensor::scalar(init))
    }

    /// A constant tensor.
    ///
    /// # Errors
    /// [`ExprError::Duplicate`] if the name is taken.
    pub fn data(&self, name: &str, value: Tensor) -> Result<Expr<'_>, ExprError> {
        let id = self.graph.borrow_mut().data(name, value)?;
        Ok(self.wrap(id))
    }

    /// A scalar constant.
    pub fn constant(&self, value: f64) -> Expr<'_> {
        let id = self.graph.borrow_mut().constant(value);
        self.wrap(id)
    }

    /// The one-hot matrix of a data vector of labels `0..n`.
    ///
    /// # Errors
    /// [`ExprError::OneHot`] if `labels` is not a data vector of such labels.
    pub fn onehot(&self, labels: Expr<'_>, n: usize) -> Result<Expr<'_>, ExprError> {
        let id = self.graph.borrow_mut().onehot(labels.id, n)?;
        Ok(self.wrap(id))
    }

    /// The model that minimizes `loss`.
    ///
    /// # Errors
    /// [`ExprError::NotScalar`] if `loss` is not a scalar.
    pub fn minimize(&self, loss: Expr<'_>) -> Result<Model, ExprError> {
        Model::new(self.graph.borrow().clone(), loss.id, self.init.borrow().clone())
    }
}

impl<'b> Expr<'b> {
    /// The node behind this handle.
    pub fn id(self) -> NodeId {
        self.id
    }

    /// The shape of the value.
    pub fn shape(self) -> Shape {
        self.b.graph.borrow().shape(self.id)
    }

    #[track_caller]
    fn build(self, f: impl FnOnce(&mut Graph) -> Result<NodeId, ExprError>) -> Expr<'b> {
        let id = f(&mut self.b.graph.borrow_mut()).unwrap_or_else(|e| panic!("{e}"));
        self.b.wrap(id)
    }

    fn func(self, f: Func) -> Expr<'b> {
        self.build(|g| Ok(g.func(f, self.id)))
    }

    /// `self^n` elementwise.
    pub fn powi(self, n: i32) -> Expr<'b> {
        self.build(|g| Ok(g.powi(self.id, n)))
    }

    /// `self^p` elementwise.
    pub fn powf(self, p: f64) -> Expr<'b> {
        self.build(|g| Ok(g.powf(self.id, p)))
    }

    /// Sum of every element.
    pub fn sum(self) -> Expr<'b> {
        self.build(|g| g.sum(self.id, None))
    }

    /// Sum over one axis.
    ///
    /// # Panics
    /// If the value has no such axis.
    #[track_caller]
    pub fn sum_axis(self, axis: usize) -> Expr<'b> {
        self.build(|g| g.sum(self.id, Some(axis)))
    }

    /// Mean of every element.
    pub fn mean(self) -> Expr<'b> {
        self.build(|g| g.mean(self.id, None))
    }

    /// Mean over one axis.
    ///
    /// # Panics
    /// If the value has no such axis.
    #[track_caller]
    pub fn mean_axis(self, axis: usize) -> Expr<'b> {
        self.build(|g| g.mean(self.id, Some(axis)))
    }

    /// `log(sum(exp(self)))` over every element (`None`) or one axis.
    ///
    /// # Panics
    /// If the value has no such axis.
    #[track_caller]
    pub fn logsumexp(self, axis: Option<usize>) -> Expr<'b> {
        self.build(|g| g.logsumexp(self.id, axis))
    }

    /// The matrix product `self @ other`.
    ///
    /// # Panics
    /// If the shapes do not fit.
    #[track_caller]
    pub fn matmul(self, other: Expr<'b>) -> Expr<'b> {
        self.build(|g| g.matmul(self.id, other.id))
    }
}

macro_rules! unary_methods {
    ($($name:ident => $f:ident),* $(,)?) => {
        impl<'b> Expr<'b> {
            $(
                #[doc = concat!("`", stringify!($name), "` elementwise.")]
                pub fn $name(self) -> Expr<'b> {
                    self.func(Func::$f)
                }
            )*
        }
    };
}

unary_methods!(
    exp => Exp, log => Log, sqrt => Sqrt, cbrt => Cbrt, rsqrt => Rsqrt, abs => Abs,
    sigmoid => Sigmoid, softplus => Softplus, tanh => Tanh, relu => Relu, swish => Swish,
    sin => Sin, cos => Cos, log1p => Log1p, expm1 => Expm1, atan => Atan, erf => Erf, tan => Tan,
    sinh => Sinh, cosh => Cosh,
);

macro_rules! binary_ops {
    ($($trait:ident $method:ident $graph:ident),* $(,)?) => {$(
        impl<'b> $trait<Expr<'b>> for Expr<'b> {
            type Output = Expr<'b>;
            #[track_caller]
            fn $method(self, rhs: Expr<'b>) -> Expr<'b> {
                self.build(|g| g.$graph(self.id, rhs.id))
            }
        }
        impl<'b> $trait<f64> for Expr<'b> {
            type Output = Expr<'b>;
            #[track_caller]
            fn $method(self, rhs: f64) -> Expr<'b> {
                let c = self.b.constant(rhs);
                self.$method(c)
            }
        }
        impl<'b> $trait<Expr<'b>> for f64 {
            type Output = Expr<'b>;
            #[track_caller]
            fn $method(self, rhs: Expr<'b>) -> Expr<'b> {
                rhs.b.constant(self).$method(rhs)
            }
        }
    )*};
}

binary_ops!(Add add add, Sub sub sub, Mul mul mul, Div div div);

impl<'b> Neg for Expr<'b> {
    type Output = Expr<'b>;
    fn neg(self) -> Expr<'b> {
        self.build(|g| Ok(g.neg(self.id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_expressions_share_nodes_and_check_the_objective() {
        let b = Builder::new();
        let w = b.param("w", Tensor::zeros(Shape::Vector(3))).unwrap();
        let s1 = (w * w).sum();
        let s2 = (w * w).sum();
        assert_eq!(s1.id(), s2.id());
        assert!(matches!(b.minimize(w), Err(ExprError::NotScalar(Shape::Vector(3)))));
        let mut m = b.minimize(s1 + 1.0).unwrap();
        assert!(m.set_init("w", Tensor::vector(vec![1.0, 2.0])).is_err());
        assert!(m.set_init("v", Tensor::scalar(1.0)).is_err());
        m.set_init("w", Tensor::vector(vec![1.0, 2.0, 3.0])).unwrap();
        assert_eq!(m.num_scalars(), 3);
    }

    #[test]
    #[should_panic(expected = "shape mismatch in `+`: [3] and [2]")]
    fn operators_panic_with_the_shape_error() {
        let b = Builder::new();
        let w = b.param("w", Tensor::zeros(Shape::Vector(3))).unwrap();
        let v = b.param("v", Tensor::zeros(Shape::Vector(2))).unwrap();
        let _ = w + v;
    }
}
