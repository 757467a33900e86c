//! rta-avaya (in progress)
