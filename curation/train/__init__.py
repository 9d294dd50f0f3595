"""The bundled trainer: a Llama-architecture model (Salamandra's, scaled down) trained on a Megatron blend.

    config.py   typed configs; presets tiny (CPU tests), 150m, 1b in configs/*.yaml; --config FILE
    data.py     Megatron's data semantics over .bin/.idx shards: per-shard epochs from the weights, seeded
                document shuffle, packed samples of seq_len + 1 tokens, the greedy blend
    model.py    transformers' LlamaForCausalLM built from the config; FLOPs per token for MFU
    loop.py     the training loop: accumulation, clipping, cosine schedule, validation per language,
                checkpoints that resume to the same sample order, the final save_pretrained model

torch and transformers are the `train` extra; nothing here imports them at module level except model.py
and loop.py, so `curate --help` works without them.
"""
