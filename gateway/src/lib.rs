//! tavern-gateway: the client library game gateways link. Empty for now: it arrives with the
//! client library issue. It builds so the workspace layout is complete.
