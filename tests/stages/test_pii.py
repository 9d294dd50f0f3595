"""PII stage: detectors and modes on real text with planted identifiers (curation/evals/sets/pii.py
makes valid ones: checksums computed, phone numbers valid for their region)."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from curation.config.manifest import Source
from curation.evals.pii import evaluate, load_docs
from curation.evals.sets.pii import card, iban, make_set, phone, plant, spanish_ids
from curation.stages.pii import Pii, PiiConfig, rewrite
from curation.stages.pii.checksums import (
    card_valid,
    dni_valid,
    iban_valid,
    nif_entity_valid,
)
from curation.stages.pii.detectors import detect

SOURCE = Source(id="web", name="web", languages=["es", "de"], domain="web", licence="x", format="jsonl", location="x")


@pytest.fixture(scope="module")
def docs():
    return load_docs()


def test_checksums_on_published_examples():
    assert iban_valid("GB82WEST12345698765432")  # ISO 13616 example (also the SWIFT registry's GB entry)
    assert not iban_valid("GB82WEST12345698765433")
    assert card_valid("4111111111111111") and not card_valid("4111111111111112")
    assert dni_valid("12345678", "Z") and not dni_valid("12345678", "A")
    assert dni_valid("X1234567", "L")  # NIE: X read as 0
    assert nif_entity_valid("A", "2801586", "5")  # Telefónica S.A.: A28015865, the NIF on its public filings
    assert not nif_entity_valid("A", "2801586", "6")


def test_every_planted_kind_is_found_in_real_text(docs):
    rng = random.Random(7)
    doc = next(d for d in docs if d["lang"] == "es")
    items = make_set(rng, ["correo", "datos", "nombre"], 3)
    text, planted = plant(doc["text"], items, rng)
    spans = {(s.start, s.end, s.kind) for s in detect(text, phone_regions=["ES"])}
    for start, end, item in planted:
        if item.kind.startswith("negative:"):
            assert not any(a < end and start < b for a, b, _ in spans), f"negative touched: {item}"
        elif item.kind == "phone" and item.form.split(":")[1] != "ES" and item.form.startswith(("national", "digits")):
            continue  # another region's national form is not read in a Spanish document
        else:
            assert (start, end, item.kind) in spans, f"missed: {item}"


def test_wrong_check_digits_are_not_reported():
    rng = random.Random(3)
    for _ in range(50):
        good = iban(rng)[0].value
        bad = good[:-1] + str((int(good[-1]) + 1) % 10) if good[-1].isdigit() else good
        assert [s.kind for s in detect(f"cuenta {good} y {bad} fin")] == ["iban"]
        c = card(rng)[0].value
        assert [s.kind for s in detect(f"tarjeta {c[:-1]}{(int(c[-1]) + 5) % 10} fin")] == []
        dni = spanish_ids(rng)[0].value
        wrong = dni[:-1] + ("A" if dni[-1] != "A" else "B")
        assert detect(f"DNI {wrong} fin") == []


def test_the_unplanted_text_holds_no_false_identifier(docs):
    """Versions, dates, section numbers, hashes of the real text are left alone: what the detectors find
    there is only e-mail addresses, the IP addresses of real hosts and phone numbers of examples."""
    found = {}
    for d in docs:
        for s in detect(d["text"], phone_regions=PiiConfig().phone_regions.get(d["lang"], ())):
            found.setdefault(s.kind, set()).add(d["text"][s.start : s.end])
    assert set(found) <= {"email", "ipv4", "ipv6", "url_credentials", "phone"}
    assert all("@" in e and "." in e.split("@")[1] for e in found.get("email", ()))


def test_eval_figures_on_the_bundled_text(docs):
    r = evaluate(docs, seed=0, per_doc=1)
    assert r["negatives_touched"] == []
    assert r["precision"] >= 0.99
    for kind in ("email", "iban", "card", "dni", "nie", "nif", "ipv4", "ipv6", "url_credentials"):
        assert r["per_kind"][kind]["recall"] >= 0.97, (kind, r["per_kind"][kind])
    assert r["per_kind"]["phone"]["recall"] >= 0.6  # other regions' national forms are not read


def _table(texts, langs):
    return pa.table({"text": texts, "language": langs})


def test_modes(docs):
    rng = random.Random(1)
    number = phone(rng)
    text = f"Escriba a ana.garcia@example.es o llame al {number[1].value}; IBAN {iban(rng)[1].value}."
    clean = next(d["text"] for d in docs if d["lang"] == "de")[:500]
    table = _table([text, clean], ["es", "de"])
    none = Pii(PiiConfig()).process(table, SOURCE)
    assert none.table["text"].to_pylist() == [text, clean] and none.reasons == [None, None]
    assert none.counts == [{"email": 1, "phone": 1, "iban": 1, "documents_with_pii": 1}, {}]
    label = Pii(PiiConfig(mode="label")).process(table, SOURCE).table["text"].to_pylist()
    assert label == ["Escriba a [EMAIL] o llame al [PHONE]; IBAN [IBAN].", clean]
    masked = Pii(PiiConfig(mode="mask")).process(table, SOURCE).table["text"][0].as_py()
    assert masked.startswith("Escriba a ***.******@*******.** o llame al +") and "garcia" not in masked
    removed = Pii(PiiConfig(mode="remove_document")).process(table, SOURCE)
    assert removed.reasons == ["pii:email", None]


def test_rewrite_keeps_the_text_between_spans():
    text = "a 192.0.2.1 b"
    assert rewrite(text, detect(text, global_ip_only=False), "label") == "a [IP] b"
    assert detect(text) == []  # 192.0.2.0/24 is a documentation range: no one's address
