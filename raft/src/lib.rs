//! tavern-raft: the replicated node. Empty for now: openraft, the RocksDB stores and the gRPC
//! services arrive with the node issue. It builds so the workspace layout is complete.
