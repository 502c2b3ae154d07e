//! # secfixes-cve
//!
//! CVE records in one normalised [`model`], whatever the source:
//!
//! - [`cpe`]: CPE 2.3 formatted-string names (NISTIR 7695) and matching (NISTIR 7696).
//! - [`configuration`]: NVD configurations (AND/OR trees, negation, platform context) and
//!   the affected-product rules they state.
//! - [`model`]: [`Cve`], [`Rule`] and friends; every rule and score keeps its origin.
//!
//! No network and no database code: readers take bytes or files.
#![forbid(unsafe_code)]

pub mod configuration;
pub mod cpe;
pub mod cve5;
pub mod model;
mod normalise;
pub mod nvd;
pub mod source;

pub use model::{Cve, Origin, Rule};
