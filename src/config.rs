//! Config file, profiles, environment and flags, merged in that order.
