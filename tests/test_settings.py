"""Settings: parsed once, typed, with Chinese errors that name the variable; one data home."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from bot.errors import ConfigError
from bot.settings import SETTINGS, Settings, default_home
from tests.conftest import ROOT


def test_every_setting_is_a_field_and_documented_in_the_readme():
    assert [f.name for f in dataclasses.fields(Settings)] == [s.name for s in SETTINGS]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for spec in SETTINGS:
        assert spec.variable in readme, f"{spec.variable} is not documented in README.md"


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("STUDYBOT_PORT", "abc", "1 到 65535 之间的整数"),
        ("STUDYBOT_PORT", "70000", "1 到 65535 之间的整数"),
        ("STUDYBOT_LLM_TIMEOUT", "-1", "之间的数"),
        ("STUDYBOT_SESSION_HOURS", "nan", "之间的数"),
        ("STUDYBOT_EMBED_BACKEND", "gpu", "onnx、torch 之一"),
        ("STUDYBOT_CHROMA_URL", "127.0.0.1:8000", "http://"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_rule(variable, value, expected):
    with pytest.raises(ConfigError) as error:
        Settings.from_env(environ={variable: value})
    assert variable in str(error.value) and repr(value) in str(error.value) and expected in str(error.value)


def test_folders_default_to_the_home_and_never_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env(environ={})
    assert settings.home == default_home() == ROOT  # a source checkout is its own home
    assert settings.index_dir == ROOT / "index" and settings.data_dir == ROOT / "data"
    elsewhere = Settings.from_env(environ={"STUDYBOT_HOME": str(tmp_path / "h")})
    assert elsewhere.corpus_dir == tmp_path / "h" / "corpus"
    assert elsewhere.database_url == f"sqlite:///{tmp_path / 'h' / 'data' / 'studybot.sqlite3'}"
    relative = Settings.from_env(environ={"STUDYBOT_INDEX_DIR": "idx"})
    assert relative.index_dir == tmp_path / "idx"  # made absolute once, where it was read


def test_secrets_are_masked_when_listed():
    rows = dict(
        (v, value)
        for v, value, _ in Settings.from_env(
            environ={"STUDYBOT_LLM_API_KEY": "sk-secret", "STUDYBOT_DB_URL": "postgresql+psycopg://u:pw@h/db"}
        ).describe()
    )
    assert "sk-secret" not in rows["STUDYBOT_LLM_API_KEY"] and "pw" not in rows["STUDYBOT_DB_URL"]


def run(*args, cwd, env):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_commands_from_another_folder_use_the_same_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYBOT_")}
    env["STUDYBOT_HOME"] = str(tmp_path / "home")
    env["PYTHONPATH"] = str(ROOT)
    added = run(
        "users",
        "add",
        "--id",
        "GD7",
        "--name",
        "甲",
        "--unit",
        "乙",
        "--role",
        "officer",
        "--password",
        "password-7",
        cwd=ROOT,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    other = tmp_path / "somewhere" / "else"
    other.mkdir(parents=True)
    listed = run("users", "list", "--json", cwd=other, env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout)[0]["id"] == "GD7"
    assert not (other / "data").exists()


def test_bad_setting_on_the_command_line_is_one_chinese_line(tmp_path):
    env = dict(os.environ, STUDYBOT_PORT="abc", PYTHONPATH=str(ROOT))
    out = run("settings", cwd=tmp_path, env=env)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and "STUDYBOT_PORT" in out.stderr


def test_settings_command_lists_every_setting(tmp_path):
    env = dict(os.environ, STUDYBOT_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    out = run("settings", "--json", cwd=tmp_path, env=env)
    listed = {row["variable"]: row for row in json.loads(out.stdout)}
    assert set(listed) == {s.variable for s in SETTINGS}
    assert listed["STUDYBOT_INDEX_DIR"]["value"] == str(tmp_path / "index")
    assert listed["STUDYBOT_PORT"]["meaning"] == "网页服务端口"
