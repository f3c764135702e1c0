"""Proofs (services/proofs/): bundles, consistency proofs, the log views, the caches behind them."""
