//! Pause with details: the look-up of an agent's current pause. (Owner: pause details.)
