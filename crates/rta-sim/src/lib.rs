//! rta-sim (in progress)
