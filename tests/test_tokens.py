"""API tokens: shown once, stored hashed, act as their user until revoked or the account stops."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db import api_tokens
from bot.errors import AmbiguousToken, UnknownToken, UnknownUser
from bot.service import StudyBot
from bot.settings import Settings


@pytest.fixture
def bot():
    bot = StudyBot(Settings.from_env())
    bot.accounts.add_user("GD001", "张三", "广州市司法局", "officer", "password-001")
    yield bot
    bot.close()


def test_token_acts_as_its_user_until_revoked(bot):
    token, secret = bot.tokens.create("gd001", "办公系统")
    assert secret.startswith("sbk_") and len(secret) > 40 and token.prefix == secret[:12]
    with bot.db.read() as conn:
        stored = conn.execute(select(api_tokens)).one()
    assert secret not in json.dumps([str(v) for v in stored]) and len(stored.token_hash) == 64
    user = bot.tokens.user_for(secret)
    assert user.id == "GD001" and user.role == "officer"
    assert bot.tokens.list()[0].last_used_at is not None
    bot.tokens.revoke(str(token.id))
    assert bot.tokens.user_for(secret) is None
    assert bot.tokens.revoke(token.prefix).revoked_at is not None  # twice is harmless


@pytest.mark.parametrize("presented", [None, "", "sbk_made-up", "Bearer x", "sbk_\ud800"])
def test_unknown_tokens_give_no_user(bot, presented):
    bot.tokens.create("GD001")
    assert bot.tokens.user_for(presented) is None


def test_disabled_account_stops_its_tokens(bot):
    _, secret = bot.tokens.create("GD001")
    bot.accounts.set_disabled("GD001")
    assert bot.tokens.user_for(secret) is None
    bot.accounts.set_disabled("GD001", False)
    assert bot.tokens.user_for(secret).id == "GD001"


def test_revoke_by_prefix_whole_secret_and_errors(bot):
    first, secret = bot.tokens.create("GD001")
    bot.tokens.create("GD001")
    with pytest.raises(AmbiguousToken):
        bot.tokens.revoke("sbk_")
    with pytest.raises(UnknownToken):
        bot.tokens.revoke("999")
    assert bot.tokens.revoke(secret).id == first.id
    with pytest.raises(UnknownUser):
        bot.tokens.create("NOBODY")


def test_cli_create_prints_the_token_alone_then_list_and_revoke(bot, capsys):
    assert main(["tokens", "create", "--user", "GD001", "--name", "办公系统"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert out == secret + "\n" and secret.startswith("sbk_") and "只显示这一次" in err
    assert bot.tokens.user_for(secret).id == "GD001"
    assert main(["tokens", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["user_id"], t["name"], t["active"]) for t in listed] == [("GD001", "办公系统", True)]
    assert secret not in json.dumps(listed)
    assert main(["tokens", "revoke", listed[0]["prefix"]]) == 0
    assert "已撤销" in capsys.readouterr().out
    assert bot.tokens.user_for(secret) is None
    assert main(["tokens", "list"]) == 0
    assert "已撤销" in capsys.readouterr().out
    assert main(["tokens", "revoke", "nope"]) == 1
    assert "找不到 API 令牌" in capsys.readouterr().err
