"""Whole-run phases: dedup, tokenizer, shards, mix. Their run order is curation/phases/order.py."""
