"""The bundled trainer (issue 8): Megatron's sample order and mixture, masks and positions, training that
lowers the loss, exact resume, the saved model and tokenizer, and the user errors of `curate train`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from curation.core.errors import UserError
from curation.formats.indexed import IndexedWriter
from curation.train.config import load_train_config
from curation.train.batch import make_micro_batch, to_device
from curation.train.data import BlendedSamples, GreedyBlend, read_blend

from conftest import curate

torch = pytest.importorskip("torch", reason="the trainer's tests need the train extra (torch, transformers)")

EOD = 2


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models gain nothing from intra-op threads, and spinning threads crawl on a busy CI machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def random_shard(prefix: Path, docs: int, mean_len: int, seed: int, dtype=np.uint16, vocab: int = 1000) -> str:
    """Documents of random length and tokens, each ending with EOD, written as Megatron .bin/.idx."""
    rng = np.random.default_rng(seed)
    w = IndexedWriter(prefix, dtype)
    for _ in range(docs):
        n = int(rng.integers(1, 2 * mean_len))
        w.add_document(np.concatenate([rng.integers(4, vocab, n), [EOD]]).astype(dtype))
    w.finalize()
    return str(prefix)


# --- the sample order: megatron-core's --------------------------------------------------------------


def test_blend_order_and_samples_equal_megatron_core(tmp_path):
    """Same per-split blend, size and seed -> the same shard and the same tokens for every sample as
    megatron-core 0.16.1's BlendedMegatronDatasetBuilder (one-epoch, multi-epoch and separated-final-epoch
    shards, uint16 and int32 tokens)."""
    pytest.importorskip("megatron.core", reason="megatron-core (dev extra) is the reference implementation")
    from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
    from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
    from megatron.core.datasets.utils import get_blend_from_list

    prefixes = [
        random_shard(tmp_path / "es" / "a_train_text_document", 400, 60, 1),
        random_shard(tmp_path / "ca" / "b_train_text_document", 40, 60, 2),
        random_shard(tmp_path / "gl" / "c_train_text_document", 7, 30, 3, dtype=np.int32),
        random_shard(tmp_path / "eu" / "d_train_text_document", 90, 20, 4),  # 2 epochs, the 2nd used < 80%
    ]
    weights = [4.5e-05, 3e-05, 2e-05, 5e-06]  # unnormalized, as in Salamandra's lists: both normalize
    pairs = [x for w, p in zip(weights, prefixes) for x in (w, p)]
    (tmp_path / "mix.per-split.json").write_text(json.dumps({"train": pairs, "valid": pairs, "test": pairs}))
    N, S, seed = 700, 64, 1234
    ours = BlendedSamples(read_blend(tmp_path / "mix.per-split.json")["train"], N, S, seed)
    tokens, dataset = ours.next(N)
    epochs = [d.epochs for d in ours.datasets]
    assert max(epochs) > 1 and min(epochs) == 1
    assert any(d.separate_final_epoch for d in ours.datasets), "the test should cover a separated final epoch"

    class Tok:
        eod, vocab_size, pad = EOD, 1000, 3
        unique_identifiers = {"class": "test"}

    cfg = GPTDatasetConfig(
        random_seed=seed, sequence_length=S, blend_per_split=[get_blend_from_list([str(x) for x in pairs]), None, None],
        path_to_cache=None, tokenizer=Tok(), reset_position_ids=False, reset_attention_mask=False,
        eod_mask_loss=False, create_attention_mask=False,
    )
    reference, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [N, 0, 0], lambda: True, cfg).build()
    for t in range(N):
        sample = reference[t]
        text = np.concatenate([sample["tokens"].numpy(), sample["labels"].numpy()[-1:]])
        assert int(sample["dataset_id"]) == dataset[t], f"sample {t}: shard differs"
        assert np.array_equal(text, tokens[t]), f"sample {t}: tokens differ"


def test_realised_mixture_within_one_sample_per_dataset():
    rng = np.random.default_rng(7)
    for k in (2, 5, 40):
        weights = rng.dirichlet(np.full(k, 0.5))
        weights = weights / weights.sum()
        blend = GreedyBlend(list(weights))
        drawn = 0
        for n in (1, 9, 90, 900, 9000):
            ds, sample = blend.take(n)
            drawn += n
            counts = blend.counts
            assert counts.sum() == drawn
            assert np.all(np.abs(counts - drawn * blend.weights) <= 1.0), (k, drawn, counts, drawn * blend.weights)


def test_blend_stream_resumes_from_its_state():
    weights = [0.5, 0.25, 0.125, 0.125]
    whole = GreedyBlend(weights)
    ds_all, idx_all = whole.take(1000)
    first = GreedyBlend(weights)
    ds1, idx1 = first.take(333)
    resumed = GreedyBlend(weights)
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))  # as a checkpoint stores it
    ds2, idx2 = resumed.take(667)
    assert np.array_equal(np.concatenate([ds1, ds2]), ds_all) and np.array_equal(np.concatenate([idx1, idx2]), idx_all)
    for i in range(len(weights)):  # each shard's samples are used in order, none skipped or repeated
        assert np.array_equal(idx_all[ds_all == i], np.arange((ds_all == i).sum()))


# --- masks and positions ------------------------------------------------------------------------------


@pytest.mark.parametrize("reset_position_ids,eod_mask_loss", [(False, False), (True, True)])
def test_masks_and_positions_equal_megatron(reset_position_ids, eod_mask_loss):
    """Position ids, loss mask and the per-document attention mask equal GPTDataset's."""
    pytest.importorskip("megatron.core", reason="megatron-core (dev extra) is the reference implementation")
    from megatron.core.datasets.gpt_dataset import _get_ltor_masks_and_position_ids

    samples = np.array([[5, 6, 2, 7, 8, 9, 2, 2, 10, 11, 12, 13, 14], [2, 4, 4, 4, 4, 4, 4, 2, 5, 5, 5, 5, 5]])
    mb = make_micro_batch(samples, EOD, reset_position_ids, eod_mask_loss)
    cfg = load_train_config("tiny", [f"data.reset_position_ids={str(reset_position_ids).lower()}", "data.reset_attention_mask=true"])
    ours = to_device(mb, cfg.data, torch.device("cpu"))
    for b in range(len(samples)):
        mask, loss_mask, positions = _get_ltor_masks_and_position_ids(
            torch.from_numpy(samples[b, :-1]), EOD, reset_position_ids, True, eod_mask_loss, True
        )
        assert np.array_equal(mb.position_ids[b], positions.numpy())
        assert np.array_equal(mb.loss_mask[b], loss_mask.numpy())
        assert torch.equal(ours["attention_mask"][b, 0], ~mask[0])  # Megatron: True = masked out
    assert np.array_equal(mb.labels, samples[:, 1:]) and np.array_equal(mb.input_ids, samples[:, :-1])


def test_attention_reset_keeps_documents_apart():
    """With reset_attention_mask a document packed after another gets the logits it gets alone."""
    from curation.train.model import build_model, llama_config

    cfg = load_train_config("tiny")
    model = build_model(llama_config(cfg.model, 128, 64), seed=0).eval()
    a, b, c = [5, 6, 7, 2], [8, 9, 10, 11, 12, 2], [13, 14]
    batch = to_device(make_micro_batch(np.array([a + b + c + [15]]), EOD, False, False), cfg.data, torch.device("cpu"))
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], position_ids=batch["position_ids"]).logits
        alone = model(input_ids=torch.tensor([b])).logits
        leaky = model(input_ids=batch["input_ids"]).logits
    assert torch.allclose(packed[0, 4:10], alone[0], atol=1e-5)
    assert not torch.allclose(leaky[0, 4:10], alone[0], atol=1e-3)  # without the mask, a leaks into b


# --- a run directory with a tokenizer, shards and a blend -------------------------------------------

WORDS = {
    "es": "el la de que y en un una los las casa perro gato come bebe agua pan grande pequeño rojo azul".split(),
    "ca": "el la de que i en un una els les casa gos gat menja beu aigua pa gran petit vermell blau".split(),
    "en": "the a of that and in one house dog cat eats drinks water bread big small red blue green".split(),
}


def sentences(lang: str, n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = WORDS[lang]
    # A fixed word order per language: the model can learn which word follows which.
    return [" ".join(words[(start + 3 * i) % len(words)] for i in range(int(rng.integers(6, 30)))) + "." for start in rng.integers(0, len(words), n)]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """RUN/tokenizer (a small SentencePiece + HF export), RUN/shards/<lang>/..., RUN/blend/mix.per-split.json."""
    import sentencepiece as spm

    from curation.phases.tokenizer.hf import export_hf

    run = tmp_path_factory.mktemp("run")
    corpus = {lang: sentences(lang, 200, i) for i, lang in enumerate(WORDS)}
    model = run / "tokenizer" / "tokenizer.model"
    model.parent.mkdir(parents=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([s for docs in corpus.values() for s in docs]), model_prefix=str(model.with_suffix("")),
        vocab_size=200, model_type="bpe", unk_id=0, bos_id=1, eos_id=2, pad_id=3, minloglevel=2,
    )
    export_hf(model.read_bytes(), run / "tokenizer" / "hf")
    sp = spm.SentencePieceProcessor(model_file=str(model))
    blend: dict[str, list] = {"train": [], "valid": [], "test": []}
    for lang, docs in corpus.items():
        for split, part in (("train", docs[:180]), ("valid", docs[180:195]), ("test", docs[195:])):
            prefix = run / "shards" / lang / f"synthetic_{split}_text_document"
            w = IndexedWriter(prefix, np.uint16)
            for ids in sp.encode(part):
                w.add_document(np.asarray(ids + [sp.eos_id()], np.uint16))
            f = w.finalize()
            blend[split] += [f.tokens * (2.0 if lang != "en" else 0.5), str(prefix.relative_to(run / "shards"))]
    (run / "blend").mkdir()
    (run / "blend" / "mix.per-split.json").write_text(json.dumps(blend))  # relative prefixes: needs --data-root
    (run / "blend" / "mix.weights.json").write_text(json.dumps({"mixture": "mix", "token_budget": 1e5}))
    return run


def tiny(**extra) -> list[str]:
    base = {"precision": "fp32", "data.seq_length": 32, "train_steps": 16, "log_interval": 4, "eval_interval": 8, "save_interval": 8, "eval_samples": 4}
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def test_tiny_model_trains_resumes_exactly_and_saves_a_loadable_model(run_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from curation.train.loop import train

    blend = run_dir / "blend" / "mix.per-split.json"
    roots = {"data_root": run_dir / "shards", "log": lambda m: None}
    whole = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "whole", device="cpu", **roots)
    losses = [whole.losses[s] for s in range(1, 17)]
    assert np.mean(losses[-4:]) < losses[0] - 1.0, losses  # from ~ln(256) towards the grammar's entropy
    assert set(whole.valid) == {"ca", "en", "es"} and all(math.isfinite(v) for v in whole.valid.values())

    # Interrupted at step 5 (not a checkpoint step: the stop saves one), resumed in a fresh call.
    cut = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "cut", device="cpu", stop_at_step=5, **roots)
    assert cut.step == 5 and cut.model_dir is None
    rest = train(blend, load_train_config("tiny", tiny()), out=tmp_path / "cut", device="cpu", **roots)
    resumed = {**cut.losses, **rest.losses}
    assert sorted(rest.losses) == list(range(6, 17))
    assert [resumed[s] for s in range(1, 17)] == losses  # bit for bit: same samples, same optimizer state
    logged = [json.loads(line) for line in (tmp_path / "cut" / "log.jsonl").read_text().splitlines()]
    assert [r["loss"] for r in logged if "loss" in r] == losses

    # A changed config cannot resume that run's checkpoints.
    with pytest.raises(UserError, match="another blend or config"):
        train(blend, load_train_config("tiny", tiny(**{"optim.lr": 1e-2})), out=tmp_path / "cut", device="cpu", stop_at_step=16, **roots)

    model = AutoModelForCausalLM.from_pretrained(whole.model_dir)
    tok = AutoTokenizer.from_pretrained(whole.model_dir)
    assert type(model).__name__ == "LlamaForCausalLM" and model.config.vocab_size == 256
    assert model.config.num_key_value_heads == 2 and not model.config.tie_word_embeddings
    ids = tok("el gat menja pa", return_tensors="pt").input_ids
    assert ids[0, 0] == 1 and ids.shape[1] > 2  # bos, then pieces of the run's tokenizer
    with torch.no_grad():
        out = model(input_ids=ids).logits
    assert out.shape == (1, ids.shape[1], 256) and torch.isfinite(out).all()


def test_bf16_autocast_path_trains_and_reports_throughput(run_dir, tmp_path):
    """The GPU code path (bf16 autocast, fused-or-foreach AdamW, the same loop) exercised on the CPU."""
    from curation.train.loop import train

    r = train(run_dir / "blend" / "mix.per-split.json", load_train_config("tiny", tiny(precision="bf16", train_steps=6, eval_interval=100, save_interval=100)),
              out=tmp_path / "bf16", device="cpu", data_root=run_dir / "shards", log=lambda m: None)
    assert r.step == 6 and r.tokens_per_s and r.tokens_per_s > 0 and r.mfu is None  # no peak FLOP/s known for a CPU
    summary = json.loads((tmp_path / "bf16" / "summary.json").read_text())
    assert summary["precision"] == "bf16 autocast" and summary["flops_per_token"] > 0


def test_steps_from_the_mixture_budget_and_the_schedule(run_dir):
    from curation.train.loop import steps_from_budget
    from curation.train.optim import lr_at

    assert steps_from_budget(run_dir / "blend" / "mix.per-split.json", 8 * 32) == math.ceil(1e5 / 256)
    cfg = load_train_config("tiny", ["optim.lr=1e-3", "optim.min_lr=1e-4", "optim.warmup_steps=4"])
    assert lr_at(0, cfg, 100) == pytest.approx(1e-3 / 5) and lr_at(3, cfg, 100) == pytest.approx(1e-3 * 4 / 5)
    assert lr_at(4, cfg, 100) == pytest.approx(1e-3) and lr_at(100, cfg, 100) == pytest.approx(1e-4)
    assert lr_at(52, cfg, 100) == pytest.approx(1e-4 + 0.9e-3 * 0.5)


# --- user errors ----------------------------------------------------------------------------------------


def test_blend_and_config_errors_are_user_errors(tmp_path, run_dir):
    bad = tmp_path / "bad.per-split.json"
    bad.write_text(json.dumps({"train": [0.5, "/x/a", 0, "/x/b"], "valid": [], "test": []}))
    with pytest.raises(UserError, match=r"'train'\[2\]: weight 0 must be > 0"):
        read_blend(bad)
    bad.write_text(json.dumps({"train": [1.0, "es/synthetic_train_text_document"], "valid": None, "test": None}))
    with pytest.raises(UserError, match="pass --data-root"):
        read_blend(bad)
    assert read_blend(bad, run_dir / "shards")["train"][0].language == "es"
    bad.write_text(json.dumps({"train": "3 /x/es/a 1 /x/ca/b", "valid": [], "test": []}))  # Megatron's string form
    assert [(it.weight, it.prefix, it.language) for it in read_blend(bad)["train"]] == [(0.75, "/x/es/a", "es"), (0.25, "/x/ca/b", "ca")]
    with pytest.raises(UserError, match="field 'data.global_batch_size'|global_batch_size"):
        load_train_config("tiny", ["data.global_batch_size=7"])
    with pytest.raises(UserError, match="neither a YAML file nor a preset"):
        load_train_config("huge")
    for preset in ("tiny", "150m", "1b"):
        assert load_train_config(preset).name == preset


def test_cli_reports_a_missing_blend_in_one_line(tmp_path):
    r = curate("train", "--blend", str(tmp_path / "nope.per-split.json"), "--device", "cpu")
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'nope.per-split.json'}: no such blend file"


def test_preset_sizes():
    """150m: ~155M parameters with the 256k vocabulary; 1b: ~1.0B (counted on the meta device)."""
    from curation.train.model import llama_config, matmul_params

    from transformers import LlamaForCausalLM

    for preset, low, high in (("150m", 150e6, 160e6), ("1b", 0.95e9, 1.1e9)):
        cfg = load_train_config(preset)
        with torch.device("meta"):
            model = LlamaForCausalLM(llama_config(cfg.model, 256_000, cfg.data.seq_length))
        n = sum(p.numel() for p in model.parameters())
        assert low < n < high, (preset, n)
        assert matmul_params(model.config) == sum(p.numel() for name, p in model.named_parameters() if p.ndim == 2 and "embed" not in name) + (256_000 * cfg.model.hidden_size if cfg.model.tie_embeddings else 0)


@pytest.mark.slow
def test_demo_run_blend_trains_a_tiny_model_from_the_command_line(tmp_path):
    """End to end: the bundled demo with a tokenizer and the demo mixture -> RUN/blend -> `curate train`."""
    demo = Path(__file__).resolve().parents[1] / "pipelines" / "demo.yaml"
    text = demo.read_text().replace("name: demo\n", "name: demo-train\n", 1)
    if "\ntokenizer:" not in text:
        text += "\ntokenizer:\n  train: {vocab_size: 2000}\n"
    if "\nmixture:" not in text:
        text += "mixture: demo\n"
    pipeline = tmp_path / "demo.yaml"
    pipeline.write_text(text)
    r = curate("run", str(pipeline), "--runs-dir", str(tmp_path / "runs"), timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    run = tmp_path / "runs" / "demo-train"
    blend = next((run / "blend").glob("*.per-split.json"))
    r = curate("train", "--blend", str(blend), "--device", "cpu", "--steps", "30", "--set", "precision=fp32", "--set", "eval_interval=30",
               env={"OMP_NUM_THREADS": "1"}, timeout=900)  # see one_thread()
    assert r.returncode == 0, r.stderr[-3000:]
    out = run / "train" / f"{blend.name.replace('.per-split.json', '')}-tiny"
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    losses = [x["loss"] for x in records if "loss" in x]
    assert len(losses) == 30 and np.mean(losses[-5:]) < losses[0] - 0.5, losses
    valid = [x["valid"] for x in records if "valid" in x][-1]
    assert {"es", "ca"} <= set(valid)
    assert (out / "model" / "model.safetensors").is_file() and (out / "model" / "tokenizer.model").is_file()
