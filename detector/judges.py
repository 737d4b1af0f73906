"""Stage 6: score candidate pairs for contradiction with any model behind the `PairScorer` protocol (which
directions of a pair are read is `directions.py`'s)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from .progress import Progress, Silent

DEFAULT_BATCH_SIZE = 8


class PairScorer(Protocol):
    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        """Probability that each hypothesis contradicts its premise, in [0, 1]."""
        ...


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class OnnxNliScorer:
    """An ONNX sequence-pair classifier whose softmax at `contradiction_index` is the contradiction score."""

    def __init__(
        self,
        model_file: Path,
        tokenizer_dir: Path,
        *,
        max_length: int,
        contradiction_index: int,
        fixed_length: bool,
        threads: int | None = None,
        device: str | None = None,
    ) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        options = ort.SessionOptions()
        # A Ray actor gets OMP_NUM_THREADS set to its CPU share; use it, so actors do not oversubscribe cores.
        options.intra_op_num_threads = threads or int(os.environ.get("OMP_NUM_THREADS", 0)) or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if device == "cuda" and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(str(model_file), options, providers=providers)
        self._tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
        self._max_length = max_length
        self._index = contradiction_index
        self._padding = "max_length" if fixed_length else "longest"

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        encoded = self._tokenizer(
            list(premises),
            list(hypotheses),
            padding=self._padding,
            truncation=True,
            max_length=self._max_length,
            return_tensors="np",
        )
        feeds = {
            "input_ids": encoded["input_ids"].astype(np.int64),
            "attention_mask": encoded["attention_mask"].astype(np.int64),
        }
        logits = self._session.run(None, feeds)[0]
        return _softmax(np.asarray(logits, dtype=np.float64))[:, self._index]


class TransformersNliScorer:
    """An NLI classifier (e.g. cross-encoder/nli-deberta-v3-base) run by sentence-transformers' CrossEncoder."""

    def __init__(self, model_dir: Path, *, max_length: int = 512, device: str | None = None) -> None:
        import torch
        from sentence_transformers import CrossEncoder
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        # Identity: predict returns the raw logits, softmaxed below in float64 (its apply_softmax works in float32).
        self._model = CrossEncoder(
            str(model_dir),
            max_length=max_length,
            device=device or "cpu",
            local_files_only=True,
            activation_fn=torch.nn.Identity(),
        )
        self._index = contradiction_label_index(self._model.config.id2label)

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        # One batch of all the pairs given: `score_all` has already chosen the batches.
        logits = self._model.predict(
            list(zip(premises, hypotheses, strict=True)), batch_size=max(len(premises), 1), show_progress_bar=False
        )
        return _softmax(np.asarray(logits, dtype=np.float64))[:, self._index]


def contradiction_label_index(id2label: dict[int, str] | dict[str, str]) -> int:
    """The output index whose label names contradiction."""
    for index, label in id2label.items():
        if "contradict" in str(label).lower():
            return int(index)
    raise ValueError(f"the model has no contradiction label among {sorted(map(str, id2label.values()))}")


def score_all(
    premises: Sequence[str],
    hypotheses: Sequence[str],
    scorer: PairScorer,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    description: str = "Judging pairs",
) -> np.ndarray:
    """Score (premise, hypothesis) pairs in batches of similar length, returned in input order."""
    progress = progress or Silent()
    # Sorting by length keeps padding small for models with a dynamic sequence length; the texts break ties
    # so the same pairs always form the same batches. The default judge scores each pair independently of
    # its batch (bit for bit); the wheel's int8 judge does not (it quantizes activations per batch), and
    # for it a fixed batching is what keeps runs repeatable.
    scores = np.zeros(len(premises), dtype=np.float64)
    with progress.task(description, len(premises)) as advance:
        for chunk in batches(premises, hypotheses, batch_size):
            scores[chunk] = scorer.score([premises[j] for j in chunk], [hypotheses[j] for j in chunk])
            advance(len(chunk))
    return scores


def batches(premises: Sequence[str], hypotheses: Sequence[str], batch_size: int) -> list[list[int]]:
    """The batches `score_all` sends to the scorer (input indices); every engine scores exactly these."""
    order = sorted(
        range(len(premises)), key=lambda i: (len(premises[i]) + len(hypotheses[i]), premises[i], hypotheses[i])
    )
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
