"""`curate tokenizer train` and `check`: the run's SentencePiece tokenizer outside `curate run`, and its
Hugging Face export measured against SentencePiece."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from curation.cli.console import console, log
from curation.cli.tables import FORMATS, Column, show
from curation.core.runlock import RunLock


@click.group()
def tokenizer() -> None:
    """The run's SentencePiece tokenizer (also made by `curate run` when the pipeline has `tokenizer:`)."""


@tokenizer.command("train")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False))
@click.option("--vocab-size", type=click.IntRange(min=512), help="Pieces (default: the pipeline's, else 256000).")
@click.option("--alpha", type=click.FloatRange(0, 1), help="Language sampling exponent: 0 uniform (Salamandra), 1 as in the corpus.")
@click.option("--sample-bytes", type=click.IntRange(min=1), help="Bound on the training sample, in UTF-8 bytes.")
@click.option("--character-coverage", type=click.FloatRange(0, 1, min_open=True), help="SentencePiece character coverage.")
@click.option("--threads", type=click.IntRange(min=1), help="Training threads (default: all cores).")
@click.option("--model", type=click.Path(dir_okay=False), help="Take this SentencePiece .model (e.g. Salamandra's) instead of training.")
@click.option("--ray-address", help="Join an existing Ray cluster for the sampling passes.")
@click.option("--num-cpus", type=click.IntRange(min=1), help="CPUs for a local Ray (default: all).")
def tokenizer_train(run_dir: str, vocab_size, alpha, sample_bytes, character_coverage, threads, model, ray_address, num_cpus) -> None:
    """Train RUN's tokenizer on a language-balanced sample of its documents (or import --model); writes
    RUN/tokenizer/ (tokenizer.model, tokenizer.vocab, hf/ for transformers.AutoTokenizer)."""
    from curation.phases.tokenizer.standalone import train_for_run

    overrides = {"vocab_size": vocab_size, "alpha": alpha, "sample_bytes": sample_bytes, "character_coverage": character_coverage, "num_threads": threads}
    with RunLock(Path(run_dir), "curate tokenizer train", create=False, log=log):  # it writes the run's tokenizer
        s = train_for_run(run_dir, overrides=overrides, model=model, ray_address=ray_address, num_cpus=num_cpus, log=log)
    sample = f", sample {s['sample']['docs']} documents / {s['sample']['bytes'] / 1e6:.1f} MB" if s.get("sample") else ""
    console.print(f"tokenizer: {Path(run_dir) / s['model']} ({s['vocab_size']} pieces{sample}; sha256 {s['model_sha256'][:16]}); Hugging Face folder {Path(run_dir) / 'tokenizer' / 'hf'}", highlight=False, markup=False)


CHECK_COLUMNS = [
    Column("corpus", "texts", whole=True),
    Column("loader", "loaded by", whole=True),
    Column("docs", "documents", number=True),
    Column("ids_equal", "same ids", number=True),
    Column("decode_is_text", "decode = text", number=True),
    Column("decode_as_sentencepiece", "decode = SentencePiece's", number=True),
    Column("first_mismatch", "first difference", drop=1),
]


@tokenizer.command("check")
@click.argument("run_dir", metavar="RUN", type=click.Path(file_okay=False))
@click.option("--texts", "texts", multiple=True, type=click.Path(dir_okay=False, exists=True), help="Also these JSONL files ({\"text\": ...} a line). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
def tokenizer_check(run_dir: str, texts: tuple[str, ...], fmt: str) -> None:
    """Check RUN's Hugging Face tokenizer (tokenizer/hf) against SentencePiece on the run's documents:
    ids token for token, and decode(encode(text)) == text. Exit 1 if any document differs."""
    from curation.phases.tokenizer.hf_check import check_run

    rows = [asdict(r) for r in check_run(run_dir, [Path(t) for t in texts])]
    show(console, fmt, rows, CHECK_COLUMNS[:-1] if fmt == "table" else CHECK_COLUMNS, title="Hugging Face tokenizer vs SentencePiece")
    if fmt == "table":
        for r in rows:
            if r["first_mismatch"]:
                console.print(f"{r['corpus']}, {r['loader']}: first difference: {r['first_mismatch']}", highlight=False, markup=False)
    if any(r["ids_equal"] < r["docs"] or r["decode_as_sentencepiece"] < r["docs"] for r in rows):
        raise SystemExit(1)
