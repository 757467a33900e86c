//! The fuzz targets of `rta-adherence`: its CSV readers and its evaluator.

mod evaluator;
mod files;

pub use evaluator::adherence_evaluator;
pub use files::adherence_files;
