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


class IndexBusy(StudyBotError):
    def __init__(self):
        super().__init__("另一个索引任务正在进行，请等它结束后再试")


class IndexInconsistent(StudyBotError):
    def __init__(self, stored: int, expected: int):
        super().__init__(f"向量库条目数 {stored} 与句子数 {expected} 不一致，请运行 studybot index --rebuild")


class AmbiguousClause(StudyBotError):
    def __init__(self, ref: str, candidates: list[str]):
        self.ref = ref
        super().__init__(f"{ref!r} 对应多个条款：{'、'.join(candidates)}，请写完整的条款编号")


class UnknownClause(StudyBotError):
    def __init__(self, clause_id: str):
        super().__init__(f"找不到条款 {clause_id!r}，可用 studybot clauses 查看全部条款编号")


class UnknownDocument(StudyBotError):
    def __init__(self, doc_id: str):
        super().__init__(f"找不到文件 {doc_id!r}，可用 studybot docs 查看已索引的文件")


class BadQuestion(StudyBotError):
    """The question is empty or unusable."""


class GoldSetError(StudyBotError):
    """An evaluation question file (eval/gold/*.jsonl) is missing or has bad lines.

    `problems` holds (line number, reason) for every bad line, so one run shows them all;
    no problems means the file itself could not be read.
    """

    def __init__(self, path, problems: list[tuple[int, str]] | None = None):
        self.path = path
        self.problems = list(problems or [])
        if not self.problems:
            message = f"无法读取题集文件 {path}，请检查路径是否正确（题集放在 eval/gold/ 下）"
        else:
            listed = "\n".join(f"  第 {number} 行：{why}" for number, why in self.problems)
            message = (
                f"题集文件 {path} 有 {len(self.problems)} 处问题，请逐行改正后再运行"
                f"（格式见 eval/gold/README.md）：\n{listed}"
            )
        super().__init__(message)


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


class TableError(StudyBotError):
    """An uploaded spreadsheet as a whole cannot be read (size, encoding, format, header);
    problems of single rows go in the import's report instead."""


# The account import's name for it, from before every import shared bot/tables.py.
CsvImportError = TableError


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


# --- API tokens, conversations and the web page's permissions (bot/tokens.py, bot/conversations.py) ---


class UnknownToken(StudyBotError):
    def __init__(self, ref: str):
        self.ref = ref
        super().__init__(f"找不到 API 令牌 {ref!r}，可用 studybot tokens list 查看令牌编号和前缀")


class AmbiguousToken(StudyBotError):
    def __init__(self, ref: str, candidates: list[str]):
        self.ref = ref
        super().__init__(f"{ref!r} 对应多个 API 令牌：{'、'.join(candidates)}，请写令牌编号或更长的前缀")


class UnknownConversation(StudyBotError):
    def __init__(self, conversation_id):
        self.conversation_id = conversation_id
        # The same message for a conversation that does not exist and one of somebody else's.
        super().__init__(f"找不到对话 {conversation_id}（可能已被删除），请在历史对话列表中重新选择")


class NotAllowed(StudyBotError):
    """The signed-in user's role or unit does not allow this action; the message says whose it is."""


class BadText(StudyBotError):
    """Text from a browser or client that is not valid Unicode (lone surrogates)."""

    def __init__(self, what: str = "输入"):
        super().__init__(f"{what}中有无法识别的字符（不是有效的 Unicode 文字），请删除后重新输入")
