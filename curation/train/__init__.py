"""The bundled trainer: a Llama-architecture model (Salamandra's, scaled down) trained on a Megatron blend,
on one process or data-parallel on the processes torchrun starts.

    config.py       typed configs; presets tiny (CPU tests), 150m, 1b in configs/*.yaml; --config FILE
    data.py         Megatron's data semantics over .bin/.idx shards: per-shard epochs from the weights, seeded
                    document shuffle, packed samples of seq_len + 1 tokens, the greedy blend
    batch.py        a process's share of each global batch (Megatron's sampler), micro-batches, masks, inputs
    model.py        transformers' LlamaForCausalLM built from the config; FLOPs per token and peaks for MFU
    distributed.py  the run's processes: rank, world size, device, process group (NCCL / gloo)
    parallel.py     one process, DDP replicas or FSDP2 shards
    step.py         the loss module and one optimizer step (loss averaged over the global batch's tokens)
    optim.py        AdamW and the cosine schedule
    attention.py    `attention: flash`: flash-only SDPA and the profiler check that it ran
    evaluate.py     validation loss per language, shared by the processes
    meter.py        tokens/s, tokens/s per device, MFU
    checkpoint.py   full-state checkpoints with the blend's global position (resume on any process count)
    tokenizer.py    the run's tokenizer: vocabulary size, EOD, files saved with the model
    outputs.py      log.jsonl and the final save_pretrained model
    loop.py         `train()`: plan the run, build, resume, the loop, the summary
    launch.py       `curate train --nproc-per-node N`: the command re-run by torchrun

torch and transformers are the `train` extra; only launch.py and config.py/data.py are imported without
them, so `curate --help` works without them.
"""
