"""Errors the user can act on. Each message says, in Chinese, what went wrong and how to fix it."""

from __future__ import annotations


class StudyBotError(Exception):
    """Base class: the CLI prints the message and exits 1; the web page shows it."""

    exit_code = 1


class ConfigError(StudyBotError):
    """A setting is missing or wrong."""


class EmbeddingModelError(StudyBotError):
    """The embedding model cannot be loaded or built."""


class DocumentError(StudyBotError):
    """One source document cannot be read; other documents still index."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"无法读取文件 {path}：{reason}")


class EmptyCorpus(StudyBotError):
    """The corpus folder holds no readable document."""


class IndexNotBuilt(StudyBotError):
    def __init__(self, index_dir=None):
        where = f"（{index_dir}）" if index_dir else ""
        super().__init__(f"索引尚未建立{where}，请先运行 studybot index")


class UnknownClause(StudyBotError):
    def __init__(self, clause_id: str):
        super().__init__(f"找不到条款 {clause_id!r}，可用 studybot clauses 查看全部条款编号")


class UnknownDocument(StudyBotError):
    def __init__(self, doc_id: str):
        super().__init__(f"找不到文件 {doc_id!r}，可用 studybot docs 查看已索引的文件")


class BadQuestion(StudyBotError):
    """The question is empty or unusable."""


# --- Database, accounts and feedback (bot/db.py, bot/accounts.py, bot/feedback.py) ---


class DatabaseError(StudyBotError):
    """The application database cannot be opened or brought up to date."""

    def __init__(self, where: str, reason: str):
        self.where = where
        self.reason = reason
        super().__init__(
            f"无法打开应用数据库 {where}：{reason}。"
            "请检查 STUDYBOT_DATA_DIR 文件夹是否存在且可写，或 STUDYBOT_DB_URL 是否填写正确"
        )


class DatabaseTooNew(StudyBotError):
    """The database was written by a newer studybot whose migrations this copy does not have."""

    def __init__(self, revision: str):
        self.revision = revision
        super().__init__(
            f"数据库版本 {revision} 比当前程序新，是由更新版本的 studybot 创建或升级的。"
            "请将 studybot 升级到最新版本后再使用，不要用旧版本打开"
        )


class InvalidAccount(StudyBotError):
    """An account field is missing or malformed; the message names the field and the rule."""


class DuplicateUser(StudyBotError):
    def __init__(self, user_id: str, name: str = ""):
        self.user_id = user_id
        who = f"（{name}）" if name else ""
        super().__init__(
            f"账号 {user_id} 已存在{who}，不能重复添加；如需修改密码请使用重置密码功能"
        )


class UnknownUser(StudyBotError):
    def __init__(self, user_id: str):
        self.user_id = user_id
        super().__init__(f"找不到账号 {user_id!r}，请核对执法证号或工号，可在账号列表中查看全部账号")


class LoginRefused(StudyBotError):
    """Base of every refused login, so the web page can catch them in one place."""


class LoginFailed(LoginRefused):
    def __init__(self):
        # One message for an unknown id and a wrong password, so the page does not reveal
        # which ids exist.
        super().__init__(
            "账号或密码错误，请核对后重试（注意区分全角半角，连续输错 5 次将暂时锁定）；"
            "忘记密码请联系培训管理员重置"
        )


class AccountLocked(LoginRefused):
    def __init__(self, wait_seconds: float):
        self.wait_seconds = wait_seconds
        super().__init__(
            f"密码连续输错次数过多，账号已暂时锁定，请 {format_wait(wait_seconds)}后再试；"
            "忘记密码请联系培训管理员重置"
        )


class AccountDisabled(LoginRefused):
    def __init__(self, user_id: str):
        self.user_id = user_id
        super().__init__(f"账号 {user_id} 已停用，如需继续使用请联系培训管理员恢复")


class CsvImportError(StudyBotError):
    """The account file as a whole cannot be read (encoding, header); row problems go in the report."""


class BadFeedback(StudyBotError):
    """A feedback record is malformed; the message says which field and why."""


class UnknownFeedback(StudyBotError):
    def __init__(self, feedback_id):
        self.feedback_id = feedback_id
        super().__init__(f"找不到编号为 {feedback_id} 的反馈记录，请刷新反馈列表后重新选择")


def format_wait(seconds: float) -> str:
    """'45 秒' / '2 分 5 秒' / '15 分钟': whole seconds, rounded up so the wait is never too short."""
    total = max(1, int(-(-seconds // 1)))
    minutes, secs = divmod(total, 60)
    if not minutes:
        return f"{secs} 秒"
    return f"{minutes} 分钟" if not secs else f"{minutes} 分 {secs} 秒"


# --- The 学时 ledger (bot/ledger/) ---


class Forbidden(StudyBotError):
    """The acting user may not see or change this officer's or unit's records (HTTP 403)."""


class InvalidRecord(StudyBotError):
    """A 学时 record is malformed (date, duration, content); the message names the field."""


class UnknownRecord(StudyBotError):
    def __init__(self, record_id):
        self.record_id = record_id
        super().__init__(
            f"找不到编号为 {record_id} 的学时记录，请用 studybot hours show 执法证号 查看记录编号"
        )


class LedgerImportError(StudyBotError):
    """A 学时 file as a whole cannot be read (size, format, encoding, header); row problems go in
    the import report instead."""
