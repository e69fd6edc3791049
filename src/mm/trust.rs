//! Trust-region adaptation: the region halves when the step used less than
//! half of it and doubles otherwise (autobound.md section 5), within fixed
//! limits so that an unused direction cannot shrink it forever.

/// The smallest trust radius.
pub const MIN_RADIUS: f64 = 1e-30;
/// The largest trust radius.
pub const MAX_RADIUS: f64 = 1e30;

/// The next radius after a step of size `|step|` in a region of radius `radius`.
pub fn adapt(radius: f64, step: f64) -> f64 {
    let next = if step.abs() < radius / 2.0 { radius / 2.0 } else { radius * 2.0 };
    next.clamp(MIN_RADIUS, MAX_RADIUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_or_doubles() {
        assert_eq!(adapt(1.0, 0.1), 0.5);
        assert_eq!(adapt(1.0, 0.5), 2.0);
        assert_eq!(adapt(1.0, -1.0), 2.0);
        assert_eq!(adapt(MIN_RADIUS, 0.0), MIN_RADIUS);
        assert_eq!(adapt(MAX_RADIUS, MAX_RADIUS), MAX_RADIUS);
    }
}
