"""Language identification: a fastText model loaded once per worker, batch prediction of document and
line labels in one pass, the dominant-language ratio, and the language policy (targets, close calls)."""

from curation.langid.labels import DEFAULT_PRIORITIES, DEFAULT_RELATED, TARGETS, normalize_label
from curation.langid.model import BatchPrediction, LanguageModel, bundled_model_path, load_model

__all__ = ["BatchPrediction", "DEFAULT_PRIORITIES", "DEFAULT_RELATED", "LanguageModel", "TARGETS",
           "bundled_model_path", "load_model", "normalize_label"]
