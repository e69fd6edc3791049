//! Clearing the upper halves of the vector registers after code that leaves
//! them dirty.
//!
//! faer's matrix products reach `private-gemm-x86`, whose AVX-512 kernels are
//! inline assembly that never executes `vzeroupper`. On Intel cores the dirty
//! upper state then taxes every legacy-SSE instruction of the rest of the
//! program (glibc's scalar `exp` went from 6 ns to ~190 ns, and an SGD step of
//! the digits MLP from 3.8 ms to 37 ms). A Zen 5 AMD EPYC pays too, less:
//! the same step went from 4.2 ms to 1.9 ms with this fix. Code the
//! compiler generates clears the state itself; only foreign kernels need this.
//! `majorize bench speed` reports the cost of a scalar `exp` loop after a
//! product, against a clean one, so a return of the penalty shows there.

/// Executes `vzeroupper` where the CPU has AVX (detected at run time, cached
/// by the standard library); a no-op elsewhere.
#[inline]
pub fn clear_upper_state() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        unsafe { zeroupper() }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn zeroupper() {
    // SAFETY: `vzeroupper` only zeroes the upper halves of the vector
    // registers; no value of Rust code lives there across this call.
    std::arch::x86_64::_mm256_zeroupper();
}
