"""Tokenize-and-write throughput (the `shards` phase) vs raw SentencePiece and datatrove, per core.

The texts are the bundled sample corpus (every non-WARC source of the demo pipeline, as the readers give
them), repeated with fresh ids, written as a run's `docs/<source>/*.parquet`. A SentencePiece BPE with
Salamandra's settings is trained on them. Then, single-threaded in this process, best of `repeat`:

- raw SentencePiece: `encode(batch, num_threads=1)` of the same texts, ids as numpy arrays and as Python
  lists (the faster is the limit): no reading, no writing;
- curation: the whole `shards` phase's work minus Ray: read the parquet files, encode, append EOD, split
  train/valid/test, sort runs by shuffle key, write them, plan the shards and merge them into the final
  .bin/.idx files;
- datatrove: `ParquetReader` -> `MegatronDocumentTokenizer` (Rust `tokenizers`, one thread) with the
  `tokenizer.json` a run ships (curation/phases/tokenizer/tokenizer_json.py) for the same .model; its
  agreement with SentencePiece is printed too.

MB are the UTF-8 bytes of the texts, the same numerator everywhere; seconds are CPU seconds of this
process (all its threads), so MB/s is per core and does not depend on what else the machine runs.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

from curation.phases.tokenizer.tokenizer_json import load_tokenizer_json, tokenizer_json

REPLICAS = 3  # copies of the sample (with distinct ids), for ~15 MB of text
VOCAB = 32_000
DOCS_PER_FILE = 1500


def _sample_texts() -> dict[str, list[tuple[str, str, str | None]]]:
    """(id, text, language) per source, from the demo pipeline's sample files (WARC sources skipped:
    their records are HTML before extraction)."""
    from curation.config.pipeline import demo_pipeline_path, load_pipeline
    from curation.readers import plan_parts, read_part

    out: dict[str, list[tuple[str, str, str | None]]] = {}
    for src in load_pipeline(demo_pipeline_path()).sources:
        if src.format == "warc":
            continue
        rows = []
        for part in plan_parts(src):
            for batch in read_part(src, part):
                d = batch.docs
                rows.extend(zip(d["id"].to_pylist(), d["text"].to_pylist(), d["language"].to_pylist()))
        out[src.id] = rows
    return out


def _write_docs(root: Path, texts: dict[str, list[tuple[str, str, str | None]]]) -> list:
    from curation.phases.tokenizer.documents import DocsFile

    files = []
    for src, rows in texts.items():
        rows = [(f"{i}#{r}", t, lang) for r in range(REPLICAS) for i, t, lang in rows]
        for k in range(0, len(rows), DOCS_PER_FILE):
            chunk = rows[k : k + DOCS_PER_FILE]
            path = root / "docs" / src / f"part-{k // DOCS_PER_FILE:04d}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            table = pa.table({"id": [c[0] for c in chunk], "text": [c[1] for c in chunk], "source": [src] * len(chunk), "language": [c[2] for c in chunk]})
            pq.write_table(table, path, compression="zstd")
            files.append(DocsFile(src, str(path)))
    return files


def _train(texts: list[str], workdir: Path) -> Path:
    from curation.phases.tokenizer.config import TrainConfig
    from curation.phases.tokenizer.trainer import train_sentencepiece

    model = train_sentencepiece(iter(texts), TrainConfig(vocab_size=VOCAB), workdir, "bench")
    path = workdir / "tokenizer.model"
    path.write_bytes(model)
    return path


def _cpu_best(fns: dict[str, Callable[[], None]], repeat: int) -> dict[str, tuple[float, float]]:
    """Per function, the best CPU seconds (this process, all threads) and the wall seconds of that
    repetition. The functions take turns within each round, so a busy machine slows them alike."""
    best = {name: (float("inf"), float("inf")) for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            c, w = time.process_time() - c0, time.perf_counter() - w0
            if c < best[name][0]:
                best[name] = (c, w)
    return best


def run(repeat: int = 3, console: Console | None = None) -> list[dict]:
    os.environ["TOKENIZERS_PARALLELISM"] = "false"  # datatrove's Rust tokenizer on one thread: per core
    from datatrove.utils.logging import logger

    logger.disable("datatrove")  # its per-file INFO lines would bury the table
    import sentencepiece as spm

    from curation.formats.indexed import optimal_dtype
    from curation.phases.shards.config import ShardsConfig
    from curation.phases.shards.merge import plan_group, shard_jobs, write_shard
    from curation.phases.shards.phase import shard_groups
    from curation.phases.shards.tokenize import TokenizeContext, tokenize_docs_file

    console = console or Console()
    sample = _sample_texts()
    with tempfile.TemporaryDirectory(prefix="curate-bench-tok-") as tmp:
        root = Path(tmp)
        files = _write_docs(root, sample)
        texts = [t for f in files for t in pq.read_table(f.path, columns=["text"])["text"].to_pylist()]
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        model = _train([t for rows in sample.values() for _, t, _ in rows], root / "tok")
        sp = spm.SentencePieceProcessor(model_file=str(model))
        batch = ShardsConfig().batch_docs

        def raw_numpy() -> None:
            for i in range(0, len(texts), batch):
                sp.encode(texts[i : i + batch], num_threads=1, out_type="numpy")

        def raw_lists() -> None:
            for i in range(0, len(texts), batch):
                sp.encode(texts[i : i + batch], num_threads=1)

        dtype = optimal_dtype(sp.get_piece_size())
        n_run = [0]

        def ours() -> None:
            n_run[0] += 1
            work, out = root / f"work{n_run[0]}", root / f"shards{n_run[0]}"
            ctx = TokenizeContext(str(model), "bench", sp.eos_id(), dtype.name, 1234, ShardsConfig(), str(work))
            tokenized = {f.key: tokenize_docs_file(f, ctx) for f in files}
            for group in shard_groups(files, tokenized, ctx.config.bucket_tokens):
                plan = plan_group(group, ctx) if group.tokens > ctx.config.max_tokens_per_shard else None
                for job in shard_jobs(group, plan, out):
                    write_shard(job, ctx)

        fast = tokenizer_json(model.read_bytes(), add_bos=False)  # as the run's tokenizer/hf/, no <s>: shards have none
        fast_path = root / "tokenizer.json"
        fast.save(str(fast_path))
        fast = load_tokenizer_json(fast_path)  # as the run's tokenizer/hf/tokenizer.json is read back

        def datatrove() -> None:
            from datatrove.pipeline.readers import ParquetReader
            from datatrove.pipeline.tokens.megatron_tokenizer import (
                MegatronDocumentTokenizer,
            )

            n_run[0] += 1
            reader = ParquetReader(str(root / "docs"), glob_pattern="*/*.parquet", text_key="text", id_key="id", read_metadata=False)
            step = MegatronDocumentTokenizer(str(root / f"datatrove{n_run[0]}"), tokenizer_name_or_path=str(fast_path), eos_token=sp.id_to_piece(sp.eos_id()), batch_size=batch)
            step.run(reader.run(None, 0, 1), rank=0, world_size=1)

        timings = _cpu_best({"raw_numpy": raw_numpy, "raw_lists": raw_lists, "ours": ours, "datatrove": datatrove}, repeat)
        same = sum(fast.encode(t, add_special_tokens=False).ids == sp.encode(t) for t in texts)

    limit_key = min(("raw_numpy", "raw_lists"), key=lambda k: timings[k][0])
    limit = mb / timings[limit_key][0]
    labels = {
        "raw_numpy": "SentencePiece encode, ids as numpy (raw)",
        "raw_lists": "SentencePiece encode, ids as lists (raw)",
        "ours": "curation shards: read+encode+EOD+split+sort+write+merge",
        "datatrove": "datatrove ParquetReader+MegatronDocumentTokenizer",
    }
    rows = [{"impl": labels[k], "mb_per_cpu_s": mb / c, "mb_per_wall_s": mb / w, "ratio": mb / c / limit} for k, (c, w) in timings.items()]
    table = Table(title=f"curate bench tokenize: {mb:.1f} MB of text, {len(texts)} documents, vocab {sp.get_piece_size()} ({dtype.name}); best of {repeat}", title_justify="left")
    for col in ("implementation", "MB/s per core (CPU s)", "MB/s (wall)", "vs raw SentencePiece"):
        table.add_column(col, justify="left" if col == "implementation" else "right")
    for r in rows:
        table.add_row(r["impl"], f"{r['mb_per_cpu_s']:.2f}", f"{r['mb_per_wall_s']:.2f}", f"{r['ratio']:.2f}")
    console.print(table)
    ours_mbs = mb / timings["ours"][0]
    console.print(f"curation / raw SentencePiece: {ours_mbs / limit:.2f}   curation / datatrove: {ours_mbs / (mb / timings['datatrove'][0]):.2f}")
    console.print(f"the run's tokenizer.json (curation/phases/tokenizer/tokenizer_json.py, given to datatrove) gives SentencePiece's ids on {same}/{len(texts)} documents ({100 * same / len(texts):.1f}%).")
    return rows
