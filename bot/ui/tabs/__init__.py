"""The page's tabs, one module each, all built the same way.

To add a tab (the 学时 ledger, the quiz, evaluation…):

1. Write `bot/ui/tabs/<name>.py` with `build_<name>_tab(ctx: TabContext) -> None`. It is called
   inside the tab's `gr.Tab`: create the components and wire their events there. Handlers take
   `request: gr.Request` and start with `ctx.auth.require(request)` (or `require_trainer`) — the
   user comes from the server session on every event, never from page state. Anything to run
   when the page opens goes in `ctx.demo.load(...)`, when the tab is opened in
   `ctx.tab.select(...)`. Keep the handlers in a small class with no Gradio layout in it, so
   tests can call them without a browser.
2. Add a `TabSpec` for it to TABS below (order = order on the page); `shown_to` decides, per
   signed-in user, whether the tab is visible (the handlers still check on the server).
3. Its HTTP routes go in `bot/web/` as an APIRouter under /api/v1/, added to ROUTERS in
   bot/web/app.py; the sign-in gate already protects them (token or session).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...accounts import User
from ..auth import Auth


@dataclass(frozen=True)
class TabContext:
    bot: object  # the StudyBot
    auth: Auth
    demo: object  # the gr.Blocks being built, for demo.load(...)
    tab: object  # this tab's gr.Tab, for tab.select(...)


def everyone(user: User) -> bool:
    return True


def trainers(user: User) -> bool:
    return user.is_trainer


@dataclass(frozen=True)
class TabSpec:
    id: str
    label: str
    build: Callable[[TabContext], None]
    shown_to: Callable[[User], bool] = everyone


def registered() -> tuple[TabSpec, ...]:
    from .accounts import build_accounts_tab
    from .chat import build_chat_tab
    from .hours import build_hours_tab
    from .quiz import build_quiz_tab
    from .review import build_review_tab

    return (
        TabSpec("qa", "问答", build_chat_tab),
        TabSpec("quiz", "练习", build_quiz_tab),
        TabSpec("hours", "学时", build_hours_tab),
        TabSpec("review", "评测", build_review_tab, trainers),
        TabSpec("accounts", "账号", build_accounts_tab, trainers),
    )
