"""curation: declarative source manifests -> Ray-parallel curation stages -> weighted Megatron shards."""

__version__ = "0.1.0"
