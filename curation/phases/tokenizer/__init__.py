"""SentencePiece tokenizer: Salamandra's trainer settings, the language-balanced training sample drawn
from a run's documents, the Hugging Face export, and the `tokenizer` phase.

Only the config is imported here: `curation.config.pipeline` needs it, and it must stay light.
"""

from curation.phases.tokenizer.config import PRODUCTION_VOCAB_SIZE, TokenizerConfig, TrainConfig

__all__ = ["PRODUCTION_VOCAB_SIZE", "TokenizerConfig", "TrainConfig"]
