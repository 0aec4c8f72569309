"""Candidate fast paths for AVX2-only CPUs, side by side in one run (issue 21, item 1): torch
float32, ONNX Runtime float32 and int8 (the backends newsbot has), and OpenVINO float32, int8
weights (NNCF weight compression) and int8 weights and activations (NNCF post-training
quantisation, calibrated on the first 160 passages). Passages/s on the pipeline's own passages
of the first N RealTimeQA articles (best of two rounds), and each one's cosine to torch float32.

    pip install openvino==2026.4.1 nncf==3.4.0   # not dependencies of newsbot
    python -m benchmarks.avx2_candidates ../shared/data/realtimeqa-2023/articles.jsonl.gz [N]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import cpu_description
from benchmarks.remote_backfill import passages
from retrieval.embed.onnx_backend import OnnxEmbedder, prepared_model
from retrieval.embed.protocol import bundled_model_path
from retrieval.embed.torch_backend import SentenceTransformerEmbedder

Embed = Callable[[list[str]], np.ndarray]


def openvino_candidates(fp32: Path, model_dir: Path, texts: list[str]) -> dict[str, Embed]:
    import nncf
    import openvino
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()

    def feeds(batch: list[str]) -> dict[str, np.ndarray]:
        encoded = tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    core = openvino.Core()
    calibration = [feeds(texts[i : i + 8]) for i in range(0, min(len(texts), 160), 8)]
    models = {
        "openvino float32": core.read_model(str(fp32)),
        "openvino int8 weights": nncf.compress_weights(core.read_model(str(fp32))),
        "openvino int8 (weights and activations)": nncf.quantize(
            core.read_model(str(fp32)),
            nncf.Dataset(calibration),
            model_type=nncf.ModelType.TRANSFORMER,
            subset_size=len(calibration),
        ),
    }

    def runner(compiled: Any) -> Embed:
        names = {i.get_any_name() for i in compiled.inputs}

        def embed(batch_texts: list[str]) -> np.ndarray:
            request = compiled.create_infer_request()
            order = np.argsort([-len(t) for t in batch_texts], kind="stable")
            out = np.zeros((len(batch_texts), 384), dtype=np.float32)
            for start in range(0, len(batch_texts), 32):
                rows = order[start : start + 32]
                given = feeds([batch_texts[int(i)] for i in rows])
                inputs = {k: v for k, v in given.items() if k in names}
                out[rows] = request.infer(inputs)[compiled.outputs[0]]
            return out

        return embed

    return {
        name: runner(core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": 2}))
        for name, model in models.items()
    }


def ort_variants(fp32: Path, model_dir: Path, texts: list[str], folder: Path) -> dict[str, Embed]:
    """ONNX Runtime variants not in newsbot: the transformer graph fused (attention, layer
    norm, GELU as single kernels), fused and then int8; int8 with u8 weights (the u8u8 kernel
    rather than u8s8); and static int8 (activations calibrated on the first 160 passages)."""
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )
    from onnxruntime.transformers import optimizer
    from tokenizers import Tokenizer

    fused = folder / "fused-fp32.onnx"
    optimizer.optimize_model(
        str(fp32), model_type="bert", num_heads=12, hidden_size=384, opt_level=1
    ).save_model_to_file(str(fused))
    quantize_dynamic(
        str(fused), str(folder / "fused-int8.onnx"), weight_type=QuantType.QInt8,
        per_channel=True, reduce_range=True,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )  # fmt: skip
    quantize_dynamic(
        str(fp32), str(folder / "u8u8.onnx"), weight_type=QuantType.QUInt8, per_channel=True
    )
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(256)
    tokenizer.enable_padding()

    class Passages(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(range(0, min(len(texts), 160), 8))

        def get_next(self) -> dict[str, np.ndarray] | None:
            start = next(self.batches, None)
            if start is None:
                return None
            encoded = tokenizer.encode_batch(texts[start : start + 8])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    quantize_static(
        str(fp32), str(folder / "static.onnx"), Passages(), quant_format=QuantFormat.QDQ,
        per_channel=True, reduce_range=True, op_types_to_quantize=["MatMul"],
        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
    )  # fmt: skip
    files = {
        "onnx runtime fused float32": fused,
        "onnx runtime fused int8": folder / "fused-int8.onnx",
        "onnx runtime int8, u8 weights (u8u8)": folder / "u8u8.onnx",
        "onnx runtime static int8 (QDQ, MatMul)": folder / "static.onnx",
    }
    return {
        name: OnnxEmbedder(model_dir, folder, int8=True, name="x", model_file=path).embed_documents
        for name, path in files.items()
    }


def main() -> None:
    corpus = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2].isdigit() else 30
    print(f"CPU: {cpu_description()}")
    local = SentenceTransformerEmbedder()
    texts = passages(corpus, count, local)
    model_dir = Path(bundled_model_path())
    cache = Path(tempfile.gettempdir()) / "newsbot-test-models"  # the tests' export cache
    fp32 = prepared_model(model_dir, cache, int8=False)
    candidates: dict[str, Embed] = {
        "torch float32": local.embed_documents,
        "onnx runtime float32": OnnxEmbedder(
            model_dir, cache, int8=False, name="x"
        ).embed_documents,
        "onnx runtime int8 (newsbot's AVX2 default)": OnnxEmbedder(
            model_dir, cache, int8=True, name="x"
        ).embed_documents,
    }
    scratch = tempfile.TemporaryDirectory()
    candidates.update(ort_variants(fp32, model_dir, texts, Path(scratch.name)))
    if "--no-openvino" not in sys.argv:
        candidates.update(openvino_candidates(fp32, model_dir, texts))
    reference = local.embed_documents(texts)
    rates: dict[str, list[float]] = {name: [] for name in candidates}
    cosines: dict[str, float] = {}
    for embed in candidates.values():
        embed(texts[:32])  # loaded and warm
    for _ in range(2):
        for name, embed in candidates.items():
            started = time.perf_counter()
            vectors = embed(texts)
            rates[name].append(len(texts) / (time.perf_counter() - started))
            vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            cosines[name] = float(np.min(np.sum(vectors * reference, axis=1)))
    base = max(rates["torch float32"])
    print(f"{len(texts)} passages of the first {count} articles")
    print("| candidate | passages/s | vs torch float32 | min cosine to torch float32 |")
    print("|---|---:|---:|---:|")
    for name, values in rates.items():
        print(f"| {name} | {max(values):.1f} | {max(values) / base:.2f}x | {cosines[name]:.4f} |")


if __name__ == "__main__":
    main()
