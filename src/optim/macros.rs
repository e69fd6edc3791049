//! Boilerplate shared by the named optimizers: `Default` from the key
//! table, validated construction, and the description for reports.

/// `(name, value)` pairs of the listed fields, for reports.
macro_rules! field_pairs {
    ($self:ident; $($field:ident),* $(,)?) => {
        vec![$((stringify!($field).to_string(), $crate::optim::Show::show(&$self.$field))),*]
    };
}

/// Implements `Default` (the key table's defaults), `NAME`,
/// `from_options` (read, then validate) and
/// [`Describe`](crate::optim::Describe) for a named optimizer whose type has
/// `read`, `validate` and `pairs`.
macro_rules! described {
    ($ty:ident, $name:literal, $keys:expr) => {
        impl Default for $ty {
            fn default() -> Self {
                $ty::from_options(&$crate::optim::Options::defaults($name, $keys)).expect("the defaults are valid")
            }
        }

        impl $ty {
            /// The optimizer's name.
            pub const NAME: &'static str = $name;

            /// From named options (every key of the table, set or defaulted).
            ///
            /// # Errors
            /// [`OptimError::Invalid`](crate::optim::OptimError::Invalid) for values out of range.
            pub fn from_options(o: &$crate::optim::Options) -> Result<Self, $crate::optim::OptimError> {
                let s = Self::read(o);
                s.validate()?;
                Ok(s)
            }
        }

        impl $crate::optim::Describe for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn hyperparameters(&self) -> Vec<(String, String)> {
                self.pairs()
            }
        }
    };
}

/// [`described!`], plus `build` (validate, then wrap in
/// [`Stateful`](crate::optim::Stateful)) for a named optimizer that is a
/// [`Transform`](crate::optim::Transform) with `validate`.
macro_rules! named_optimizer {
    ($ty:ident, $name:literal, $keys:expr) => {
        $crate::optim::macros::described!($ty, $name, $keys);

        impl $ty {
            /// Validates the hyperparameters and returns the optimizer.
            ///
            /// # Errors
            /// [`OptimError::Invalid`](crate::optim::OptimError::Invalid),
            /// naming the allowed range.
            pub fn build(self) -> Result<$crate::optim::Stateful<Self>, $crate::optim::OptimError> {
                self.validate()?;
                Ok($crate::optim::Stateful::new(self))
            }
        }
    };
}

pub(crate) use {described, field_pairs, named_optimizer};

/// Fails with [`OptimError::Invalid`](super::OptimError::Invalid) unless `ok`.
pub(crate) fn require(
    optimizer: &str,
    key: &str,
    value: impl std::fmt::Display,
    ok: bool,
    allowed: &str,
) -> Result<(), super::OptimError> {
    if ok {
        Ok(())
    } else {
        Err(super::OptimError::Invalid {
            optimizer: optimizer.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_string(),
        })
    }
}
