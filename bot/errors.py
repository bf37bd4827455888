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

    def __init__(self, path, problems: list[tuple[int, str]] | None = None, *, not_text: bool = False):
        self.path = path
        self.problems = list(problems or [])
        if not_text:
            message = (
                f"题集文件 {path} 不是 UTF-8 文本：题集应是一行一个 JSON 的 .jsonl 文件（格式见 eval/gold/README.md）"
            )
        elif not self.problems:
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


class DatabaseReadOnly(DatabaseError):
    def __init__(self, where: str):
        StudyBotError.__init__(
            self,
            f"应用数据库 {where} 是只读的，无法写入。请检查该文件及其所在文件夹的写权限，"
            "或用 STUDYBOT_DATA_DIR 指定一个可写的文件夹",
        )
        self.where, self.reason = where, "只读"


class DatabaseCorrupt(DatabaseError):
    def __init__(self, where: str):
        StudyBotError.__init__(
            self,
            f"应用数据库 {where} 已损坏或不是数据库文件，无法读取。请从备份恢复；"
            "若没有备份，可将该文件改名保存后重新启动（会新建一个空数据库）",
        )
        self.where, self.reason = where, "已损坏"


class DatabaseBusy(DatabaseError):
    def __init__(self, where: str, waited: float):
        StudyBotError.__init__(
            self,
            f"应用数据库 {where} 正被其他程序占用，等待 {waited:g} 秒仍未释放。请稍后再试；"
            "若一直如此，请检查是否有卡住的 studybot 进程（如中断的导入）",
        )
        self.where, self.reason = where, "被占用"


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
        super().__init__(f"账号 {user_id} 已存在{who}，不能重复添加；如需修改密码请使用重置密码功能")


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
            "账号或密码错误，请核对后重试（注意区分全角半角，连续输错 5 次将暂时锁定）；忘记密码请联系培训管理员重置"
        )


class AccountLocked(LoginRefused):
    def __init__(self, wait_seconds: float):
        self.wait_seconds = wait_seconds
        super().__init__(
            f"密码连续输错次数过多，账号已暂时锁定，请 {format_wait(wait_seconds)}后再试；忘记密码请联系培训管理员重置"
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


# --- Quiz (bot/quiz/) ---


class NotAllowed(StudyBotError):
    """The signed-in user's role or unit does not allow this action (quizzes, account pages);
    the message says whose the action is."""


class QuizError(StudyBotError):
    """A quiz action cannot be done as asked; the message says what to change."""


class BadScope(QuizError):
    """A practice or test scope names nothing that is indexed."""


class NotEnoughQuestions(QuizError):
    """The scope yields fewer questions than asked for."""


class UnknownRound(QuizError):
    def __init__(self, round_id):
        self.round_id = round_id
        super().__init__(f"找不到编号为 {round_id} 的练习或测验，请刷新后重新开始")


class RoundClosed(QuizError):
    """The round was already submitted or abandoned."""


class TimeUp(QuizError):
    """The test's time limit has passed; what was answered has been submitted."""


class UnknownTest(QuizError):
    def __init__(self, test_id):
        self.test_id = test_id
        super().__init__(f"找不到编号为 {test_id} 的测验，请刷新测验列表后重新选择")


class QuizNotOpen(QuizError):
    """The published test is outside its opening window, or already taken."""


class UnknownBank(QuizError):
    def __init__(self, bank_id):
        self.bank_id = bank_id
        super().__init__(f"找不到编号为 {bank_id} 的题库，可用 studybot quiz export 查看全部题目")


class UnknownQuestion(QuizError):
    def __init__(self, question_id):
        self.question_id = question_id
        super().__init__(f"找不到编号为 {question_id} 的题目，请刷新题库后重新选择")


class BankImportError(QuizError):
    """A question bank file is refused whole; `problems` name each row and column."""

    def __init__(self, problems: list[str], where: str = ""):
        self.problems = list(problems)
        shown = self.problems[:20]
        more = f"\n……另有 {len(self.problems) - 20} 处错误" if len(self.problems) > 20 else ""
        head = f"题库文件 {where} 未导入" if where else "题库文件未导入"
        super().__init__(
            f"{head}（共 {len(self.problems)} 处错误，未保存任何题目；请改正后重新导入）：\n" + "\n".join(shown) + more
        )


class UnknownEvalRun(StudyBotError):
    def __init__(self, run_id):
        super().__init__(f"找不到编号为 {run_id} 的评测记录，请刷新评测记录列表后重新选择")


class EvalGateFailed(StudyBotError):
    """`studybot eval --gate`: a metric fell below its threshold."""


# --- The 学时 ledger (bot/ledger/) ---


class Forbidden(StudyBotError):
    """The acting user may not see or change this officer's or unit's records (HTTP 403)."""


class InvalidRecord(StudyBotError):
    """A 学时 record is malformed (date, duration, content); the message names the field."""


class UnknownRecord(StudyBotError):
    def __init__(self, record_id):
        self.record_id = record_id
        super().__init__(f"找不到编号为 {record_id} 的学时记录，请用 studybot hours show 执法证号 查看记录编号")


class LedgerImportError(StudyBotError):
    """A 学时 file as a whole cannot be read (size, format, encoding, header); row problems go in
    the import report instead."""


# --- Teaching and review (bot/teaching.py, bot/review.py) ---


class UnknownAlias(StudyBotError):
    def __init__(self, alias_id):
        self.alias_id = alias_id
        super().__init__(f"找不到编号为 {alias_id} 的教学记录（或已删除），请刷新列表后重新选择")


class UnknownRefusal(StudyBotError):
    def __init__(self, refusal_id):
        self.refusal_id = refusal_id
        super().__init__(f"找不到编号为 R{refusal_id} 的拒答教学记录（或已删除），请刷新列表后重新选择")


class BadReview(StudyBotError):
    """A review mark is incomplete or malformed; the message says which field."""


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


class BadText(StudyBotError):
    """Text from a browser or client that is not valid Unicode (lone surrogates)."""

    def __init__(self, what: str = "输入"):
        super().__init__(f"{what}中有无法识别的字符（不是有效的 Unicode 文字），请删除后重新输入")
