"""Language labels: the 35 target languages, related-language groups, and the mapping of model labels
(lid.176's ISO 639-1/-3 codes, GlotLID / OpenLID's `xxx_Script`) onto the codes the pipeline uses."""

from __future__ import annotations

from curation.config.manifest import TARGET_LANGUAGES

TARGETS = frozenset(TARGET_LANGUAGES) | {"code"}

# ISO 639-3 (and macrolanguage) codes of the targets, for models that label with 639-3 (GlotLID, OpenLID).
_ISO3 = {
    "bul": "bg", "cat": "ca", "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el", "eng": "en",
    "spa": "es", "est": "et", "ekk": "et", "eus": "eu", "fin": "fi", "fra": "fr", "gle": "ga", "glg": "gl",
    "hrv": "hr", "hun": "hu", "ita": "it", "lit": "lt", "lav": "lv", "lvs": "lv", "mlt": "mt", "nld": "nl",
    "nno": "nn", "nob": "no", "nor": "no", "oci": "oc", "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru",
    "hbs": "sh", "slk": "sk", "slv": "sl", "srp": "sr", "swe": "sv", "ukr": "uk", "bos": "bs",
}
# Other spellings a model or a source may use for a target language.
_ALIASES = {"nb": "no", "iw": "he", "in": "id", "mo": "ro"}


def normalize_label(label: str | None) -> str | None:
    """`__label__es`, `spa_Latn`, `spa`, `ES` -> `es`; labels outside the mapping are lower-cased as they are."""
    if label is None:
        return None
    lab = label.strip()
    if lab.startswith("__label__"):
        lab = lab[len("__label__"):]
    lab = lab.lower()
    if "_" in lab:  # GlotLID / OpenLID: language_script
        lab = lab.split("_", 1)[0]
    if "-" in lab:  # BCP 47 region or script subtag: pt-BR, sr-Latn
        lab = lab.split("-", 1)[0]
    lab = _ISO3.get(lab, lab)
    return _ALIASES.get(lab, lab)


# Related languages that fastText confuses (the close calls). A close call inside one group is
# settled by the source's declared languages, then by the priority order below.
DEFAULT_RELATED = [["ca", "es", "oc"], ["gl", "pt", "es"], ["nn", "no", "da"], ["hr", "sr", "sh", "bs"]]
# Earlier wins a close call. fastText leans towards the larger language of a pair (its training data
# are mostly Wikipedia / Tatoeba / SETimes, where es, pt, no, hr dominate), so the smaller one goes first.
DEFAULT_PRIORITIES = ["oc", "ca", "gl", "eu", "nn", "sh", "bs", "sr", "hr", "da", "no", "pt", "es"]
