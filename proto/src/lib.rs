//! tavern-proto: the wire contract.
