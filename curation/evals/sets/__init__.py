"""The ground-truth sets the evaluations (and some benchmarks) are built from; not evaluations themselves."""
