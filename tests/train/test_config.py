"""Trainer configs (curation/train/config.py): presets, overrides and their one-line errors."""

from __future__ import annotations

import pytest

from curation.core.errors import UserError
from curation.train.config import load_train_config


def test_config_errors_are_one_line_user_errors():
    with pytest.raises(UserError, match="global_batch_size"):
        load_train_config("tiny", ["data.global_batch_size=7"])
    with pytest.raises(UserError, match="neither a YAML file nor a preset"):
        load_train_config("huge")
    with pytest.raises(UserError, match="flash.*reset_attention_mask=false"):
        load_train_config("tiny", ["attention=flash"])
    with pytest.raises(UserError, match="parallel"):
        load_train_config("tiny", ["parallel=tp"])
    for preset in ("tiny", "150m", "1b"):
        assert load_train_config(preset).name == preset


def test_global_batch_is_micro_x_accumulation_x_processes():
    d = load_train_config("tiny", ["data.micro_batch_size=2", "data.global_batch_size=12"]).data
    assert [d.accumulation_steps(w) for w in (1, 2, 3, 6)] == [6, 3, 2, 1]
    with pytest.raises(UserError) as e:
        d.accumulation_steps(4)
    assert str(e.value) == (
        "data.global_batch_size 12 is not a multiple of data.micro_batch_size 2 x 4 processes (= 8): "
        "global = micro x accumulation x processes"
    )
