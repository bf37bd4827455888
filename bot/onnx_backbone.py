"""Run a sentence-transformers model's transformer on ONNX Runtime, the rest of ST unchanged.

On this 2-core CPU, ONNX Runtime runs multilingual-e5-small about 1.4× faster than torch for
batches and 2× for one query, with the same numbers (cosine ≥ 0.99999 against torch). The ONNX
file is exported once from the loaded torch model into the model cache; tokenisation, prompts,
pooling and normalisation stay sentence-transformers' own.

The word-embedding table (250,037 × 384 for e5, half the network) is kept in float16 when that
is exact, i.e. when the source weights were float16 as ours are: a `Cast` after the look-up
gives back the very same float32 rows. That halves the table in every process's memory
(session 519 → 288 MB) with bit-identical vectors.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .e5convert import build_lock
from .errors import EmbeddingModelError

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Bumped when the exported graph changes, so an older export in the cache is not reused.
FORMAT = 2
# A look-up table this large (rows) is worth storing in float16.
BIG_TABLE_ROWS = 10_000


def _safe(model_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_.@" else "_" for ch in model_id)


def onnx_path(cache_dir: Path, model_id: str) -> Path:
    return cache_dir / "onnx" / f"{_safe(model_id)}.v{FORMAT}.onnx"


def _older_exports(target: Path) -> list[Path]:
    """The same model's exports in earlier formats (unused once `target` exists)."""
    stem = target.name.removesuffix(f".v{FORMAT}.onnx")
    names = [f"{stem}.onnx"] + [f"{stem}.v{k}.onnx" for k in range(2, FORMAT)]
    return [target.parent / name for name in names if (target.parent / name).is_file()]


def halve_lookup_tables(path: str | Path) -> list[str]:
    """Store each large `Gather` table in float16 when exact, with a `Cast` back to float32.

    Returns the names of the tables converted; a table whose values float16 cannot hold
    exactly is left as it is, so the vectors never change."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    tables = {t.name: t for t in graph.initializer}
    converted = []
    for node in list(graph.node):
        if node.op_type != "Gather" or node.input[0] not in tables:
            continue
        table = tables[node.input[0]]
        values = numpy_helper.to_array(table)
        if values.dtype != np.float32 or values.ndim != 2 or values.shape[0] < BIG_TABLE_ROWS:
            continue
        half = values.astype(np.float16)
        if not np.array_equal(half.astype(np.float32), values):
            continue
        table.CopyFrom(numpy_helper.from_array(half, table.name))
        rows = node.output[0]
        node.output[0] = f"{rows}_float16"
        cast = helper.make_node("Cast", [node.output[0]], [rows], to=TensorProto.FLOAT, name=f"{node.name}_to_float32")
        graph.node.insert(list(graph.node).index(node) + 1, cast)
        converted.append(table.name)
    if converted:
        onnx.save(model, str(path))
    return converted


def export(hf_model, tokenizer, target: Path) -> Path:
    """Export the transformer (input ids, mask[, token types] → last hidden state), atomically."""
    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(target.parent / f".{target.name}.lock"):
        if target.is_file():
            return target
        names = [n for n in INPUTS if n in tokenizer.model_input_names]

        class Wrapper(torch.nn.Module):
            def __init__(self, model):
                super().__init__()
                self.model = model

            def forward(self, *args):
                return self.model(**dict(zip(names, args))).last_hidden_state

        sample = tokenizer(["passage: 行政执法"], return_tensors="pt")
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
        os.close(fd)
        try:
            with torch.inference_mode():
                torch.onnx.export(
                    Wrapper(hf_model.eval()),
                    tuple(sample[n] for n in names),
                    tmp,
                    input_names=names,
                    output_names=["last_hidden_state"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            halve_lookup_tables(tmp)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is shared like the model
            os.replace(tmp, target)
            for stale in _older_exports(target):  # 470 MB each, never read again
                stale.unlink(missing_ok=True)
        except Exception as exc:  # torch's exporter raises many kinds
            Path(tmp).unlink(missing_ok=True)
            raise EmbeddingModelError(
                f"无法导出 ONNX 模型：{exc}；可设置 STUDYBOT_EMBED_BACKEND=torch 暂时绕过"
            ) from exc
    return target


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def make_backbone(path: Path, threads: int):
    """A torch module that answers like a Hugging Face encoder but runs the ONNX file.

    Its session splits each batch over `threads` cores (fastest for one question). For many
    batches at once, `single_threaded()` gives a second session with one thread per call, for
    worker threads that each run their own batches: on the 2-core machine two such workers embed
    about 18% more sentences a second than one two-thread session, whose threads wait on each
    other inside every small matrix product."""
    import contextlib
    import threading

    import numpy as np
    import torch
    from transformers.modeling_outputs import BaseModelOutput

    session = _session(path, threads)
    wanted = [i.name for i in session.get_inputs()]
    local = threading.local()

    class OrtBackbone(torch.nn.Module):
        def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, **_):
            given = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            feed = {}
            for name in wanted:
                value = given[name]
                if value is None:  # BERT's token types default to zeros
                    value = torch.zeros_like(input_ids)
                feed[name] = value.cpu().numpy().astype(np.int64)
            run = getattr(local, "session", None) or session
            hidden = run.run(["last_hidden_state"], feed)[0]
            return BaseModelOutput(last_hidden_state=torch.from_numpy(hidden))

        @contextlib.contextmanager
        def single_threaded(self):
            """Yields a function that makes the calling thread use a one-thread session (shared
            by every thread that calls it; ONNX Runtime runs one session from many threads). The
            session is dropped on leaving, so its memory is not kept by a server between builds."""
            held = [_session(path, 1)]

            def enter() -> None:
                local.session = held[0]

            try:
                yield enter
            finally:
                held.clear()

    return OrtBackbone()
