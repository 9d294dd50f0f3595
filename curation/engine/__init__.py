"""The execution engine: run directory, completion ledger, per-part task, Ray executor, stats."""
