"""Load test: simulated officers asking at once, through the page's HTTP API and through
/api/v1/chat/completions, on loopback only; then many signed-in officers sitting idle.

Starts `app.py` in a subprocess over a throw-away data folder (the seed corpus, indexed once and
kept under build/loadtest/), adds the accounts and API tokens, then for each round every simulated
officer signs in (before the clock starts) and asks 3 different questions, one after another, all
officers at the same moment. The client is light on purpose (one asyncio loop, httpx, no browser,
no gradio_client), so the figures are the server's, not the client's. Prints p50/p95 latency,
throughput, errors, citation hits and the server's RSS for each round.

    .venv/bin/python eval/load_test.py [--users 20 50] [--idle 200] [--questions 3]

The page's HTTP API is Gradio's: POST /gradio_api/call/ask, then read the answer's event stream
from GET /gradio_api/call/ask/<event_id> (the same queue the page's own requests go through).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-pass-1"
LABEL = re.compile(r"\[\d+\] (?:《[^》]*》)?(\S+?)「")
CREATE_TOKENS = """
import sys
from bot.service import StudyBot
from bot.settings import Settings
bot = StudyBot(Settings.from_env())
for uid in sys.argv[1:]:
    print(bot.tokens.create(uid, "load test")[1])
"""


# STUDYBOT_PROFILE_GIL=1: sample only the thread holding the GIL (what limits a busy server).
GIL_ONLY = ["--gil"] if os.environ.get("STUDYBOT_PROFILE_GIL") == "1" else []


def profiler(pid: int, target: Path) -> subprocess.Popen:
    """py-spy sampling the server (raw stacks, one line per distinct stack, for flame graphs or grep)."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("没有找到 py-spy：请先运行 .venv/bin/pip install '.[dev]'")
    command = [
        spy,
        "record",
        "-p",
        str(pid),
        "--rate",
        "250",
        *GIL_ONLY,
        "-f",
        "raw",
        "-o",
        str(target),
        "--nonblocking",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # py-spy attaches before the clock starts
    return process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_id(n: int) -> str:
    return f"LOAD{n:03d}"


def prepare_home(home: Path, users: int) -> tuple[dict[str, str], list[str]]:
    """Data, index and corpus folders for the server; index built, accounts and tokens added."""
    corpus = home / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(source, corpus / source.name)
    shutil.rmtree(home / "data", ignore_errors=True)  # fresh accounts each run
    env = {
        **os.environ,
        "STUDYBOT_DATA_DIR": str(home / "data"),
        "STUDYBOT_INDEX_DIR": str(home / "index"),
        "STUDYBOT_CORPUS_DIR": str(corpus),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "PYTHONPATH": str(ROOT),
    }
    for var in ("STUDYBOT_LLM_BASE_URL", "STUDYBOT_LLM_MODEL", "STUDYBOT_DB_URL", "STUDYBOT_CHROMA_URL"):
        env.pop(var, None)
    if not (home / "index" / "CURRENT").exists():
        subprocess.run([sys.executable, "-m", "bot", "index", "--quiet"], cwd=ROOT, env=env, check=True)
    sheet = home / "users.csv"
    sheet.write_text(
        "id,name,unit,role,password\n"
        + "".join(f"{user_id(n)},测试{n},压测单位,officer,{PASSWORD}\n" for n in range(users)),
        encoding="utf-8",
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "users", "import", str(sheet)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # Imported accounts must change their initial password; a load test signs in as if they had.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('UPDATE users SET must_change_password = 0'); c.commit()",
            str(home / "data" / "studybot.sqlite3"),
        ],
        check=True,
    )
    made = subprocess.run(
        [sys.executable, "-c", CREATE_TOKENS, *[user_id(n) for n in range(users)]],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return env, made.stdout.split()


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of the server process, in MB (from /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """CPU time the server process has used so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SETS = ("eval/gold/dev.jsonl", "eval/gold/heldout.jsonl")
SKIPPED_KINDS = {"oos", "out_of_scope", "injection", "followup"}


def questions() -> list[dict]:
    """Every distinct question of the gold sets that one clause answers on its own (no follow-ups,
    nothing out of scope): about 250, so the rounds ask questions the server has not seen (its
    query-embedding cache would otherwise make a repeated question cheaper than a new one)."""
    seen, pool = set(), []
    for name in SETS:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("gold") and row.get("kind") not in SKIPPED_KINDS and row["question"] not in seen:
                seen.add(row["question"])
                pool.append(row)
    return pool


class Questions:
    """Hands out questions in order, never the same one twice until the pool is used up."""

    def __init__(self, pool: list[dict]):
        self.pool, self.next, self.repeated = pool, 0, 0

    def take(self) -> dict:
        if self.next >= len(self.pool):
            self.repeated += 1
        q = self.pool[self.next % len(self.pool)]
        self.next += 1
        return q


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def sign_in(http, n: int, gate: asyncio.Semaphore) -> None:
    # A few at a time: many sign-ins from one address at once would trip the login throttle.
    async with gate:
        r = await http.post("/login", data={"user_id": user_id(n), "password": PASSWORD, "next": "/"})
    if r.status_code != 303 or "studybot_session" not in http.cookies:
        raise RuntimeError(f"登录失败：{r.status_code} {re.sub(r'<[^>]+>', ' ', r.text)[-300:]}")


async def call_page(http, api: str, data: list, session: str) -> list:
    """One event of the page through Gradio's HTTP API: its last output values."""
    r = await http.post(f"/gradio_api/call/{api}", json={"data": data, "session_hash": session})
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event, last = None, None
    async with http.stream("GET", f"/gradio_api/call/{api}/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event in ("generating", "complete"):
                last = json.loads(line[5:])
            elif line.startswith("data:") and event == "error":
                raise RuntimeError(f"页面报错：{line[5:200]}")
            if event == "complete" and last is not None:
                break
    return last


async def open_page(http, session: str) -> None:
    """What the page does when it opens: its HTML, then the restore of the latest conversation."""
    (await http.get("/", headers={"accept": "text/html"})).raise_for_status()
    await call_page(http, "restore", [], session)


async def ask_page(http, question: str, session: str) -> str:
    """One question through the page's HTTP API; the final answer's HTML."""
    last = await call_page(http, "ask", [question], session)  # the chat, the conversation, the history
    chat = last[0]["value"] if isinstance(last[0], dict) else last[0]
    content = chat[-1]["content"]
    return " ".join(p.get("text", "") for p in content) if isinstance(content, list) else str(content)


async def ask_api(http, question: str, token: str) -> str:
    r = await http.post(
        "/api/v1/chat/completions",
        headers={"authorization": f"Bearer {token}"},
        json={"model": "studybot", "messages": [{"role": "user", "content": question}]},
    )
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]


async def one_round(
    url: str,
    users: int,
    per_user: int,
    mode: str,
    tokens: list[str],
    pool: Questions,
    timeout: float,
    pid: int,
    profile: Path | None = None,
) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    clients = [httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) for _ in range(users)]
    try:
        if mode == "page":  # sign in and open the page (as a browser does) before the clock starts
            gate = asyncio.Semaphore(4)
            await asyncio.gather(*(sign_in(c, n, gate) for n, c in enumerate(clients)))
            await asyncio.gather(*(open_page(c, f"load-{mode}-{n}") for n, c in enumerate(clients)))
        start = asyncio.Event()
        results: list[dict] = []

        asked = [[pool.take() for _ in range(per_user)] for _ in range(users)]

        async def officer(n: int, http) -> None:
            await start.wait()
            for q in asked[n]:
                began = time.perf_counter()
                try:
                    text = await (
                        ask_page(http, q["question"], f"load-{mode}-{n}")
                        if mode == "page"
                        else ask_api(http, q["question"], tokens[n])
                    )
                    error = None if text.strip() else "空回答"
                except Exception as exc:  # a load test counts failures rather than stopping at the first
                    text, error = "", f"{type(exc).__name__}: {exc}"
                cited = LABEL.findall(re.sub(r"<[^>]+>", "", text))
                results.append(
                    {
                        "question": q["question"],
                        "gold": q["gold"],
                        "cited": cited,
                        "hit": any(g in cited for g in q["gold"]),
                        "seconds": time.perf_counter() - began,
                        "error": error,
                    }
                )

        tasks = [asyncio.create_task(officer(n, c)) for n, c in enumerate(clients)]
        spy = profiler(pid, profile.with_name(f"{profile.stem}-{mode}-{users}{profile.suffix}")) if profile else None
        began, cpu = time.perf_counter(), cpu_seconds(pid)
        start.set()
        await asyncio.wait(tasks, timeout=timeout)
        wall, cpu = time.perf_counter() - began, cpu_seconds(pid) - cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
            spy.wait(timeout=60)
        return {"results": results, "wall": wall, "cpu": cpu, "unfinished": sum(not t.done() for t in tasks)}
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


async def idle_officers(url: str, count: int, timeout: float) -> list:
    """`count` officers signed in with the page open (its HTML and config fetched), connections kept."""
    import httpx

    clients = [httpx.AsyncClient(base_url=url, timeout=timeout) for _ in range(count)]
    gate = asyncio.Semaphore(4)

    async def sit(n: int, http) -> None:
        await sign_in(http, n, gate)
        await open_page(http, f"load-idle-{n}")

    await asyncio.gather(*(sit(n, c) for n, c in enumerate(clients)))
    return clients


def report(label: str, users: int, outcome: dict, rss: tuple[float, float], cpu: float) -> list[str]:
    results = outcome["results"]
    latencies = [r["seconds"] for r in results if r["error"] is None]
    errors = [r for r in results if r["error"]]
    lines = [
        f"【{label}】{users} 人同时提问：完成 {len(results)} 问，用时 {outcome['wall']:.1f} 秒"
        f"（{len(results) / outcome['wall']:.1f} 问/秒）"
    ]
    if latencies:
        lines.append(
            f"  延迟 p50 {statistics.median(latencies):.2f} 秒，p95 {percentile(latencies, 95):.2f} 秒，"
            f"最长 {max(latencies):.2f} 秒"
        )
    lines.append(
        f"  服务进程每问 CPU {cpu / max(1, len(results)) * 1000:.0f} 毫秒；错误 {len(errors)} 个，"
        f"超时未完成 {outcome['unfinished']} 人；引用命中 {sum(r['hit'] for r in results)}/{len(results)}；"
        f"服务进程内存 {rss[0]:.0f} MB（峰值 {rss[1]:.0f} MB）"
    )
    lines += [f"    {r['question']}：{r['error']}" for r in errors[:3]]
    return lines


async def run(url: str, args, tokens: list[str], pid: int) -> tuple[list[str], bool]:
    pool = Questions(questions())
    lines, ok = [f"服务进程内存（空闲）：{rss_mb(pid)[0]:.0f} MB；题库 {len(pool.pool)} 个不同的问题"], True
    for users in args.users:
        for mode, label in (("page", "网页 HTTP 接口"), ("api", "/api/v1/chat/completions")):
            repeated = pool.repeated
            outcome = await one_round(url, users, args.questions, mode, tokens, pool, args.timeout, pid, args.profile)
            lines += report(label, users, outcome, rss_mb(pid), outcome["cpu"])
            if pool.repeated > repeated:
                lines[-1] += f"；其中 {pool.repeated - repeated} 问是本次已问过的"
            print("\n".join(lines[-3:]), flush=True)
            ok &= not outcome["unfinished"] and all(r["error"] is None for r in outcome["results"])
    if args.idle:
        began = time.perf_counter()
        clients = await idle_officers(url, args.idle, args.timeout)
        rss = rss_mb(pid)
        lines.append(
            f"【空闲】{args.idle} 人已登录并打开页面（登录用时 {time.perf_counter() - began:.1f} 秒）："
            f"服务进程内存 {rss[0]:.0f} MB（峰值 {rss[1]:.0f} MB）"
        )
        print(lines[-1], flush=True)
        await asyncio.gather(*(c.aclose() for c in clients))
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50], help="officers asking at once, per round")
    parser.add_argument("--idle", type=int, default=200, help="signed-in officers sitting idle (0 to skip)")
    parser.add_argument("--questions", type=int, default=3, help="questions per officer, one after another")
    parser.add_argument("--timeout", type=float, default=180, help="limit for each round, seconds")
    parser.add_argument("--home", type=Path, default=ROOT / "build" / "loadtest")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="record the server with py-spy (pip install '.[dev]') during each round, into FILE-<path>-<users>",
    )
    args = parser.parse_args()

    most = max([*args.users, args.idle])
    env, tokens = prepare_home(args.home, most)
    port = free_port()
    env.update(STUDYBOT_HOST="127.0.0.1", STUDYBOT_PORT=str(port))
    log = open(args.home / "server.log", "w")  # noqa: SIM115 - open for the server's lifetime, closed below
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    try:
        for line in server.stdout:  # the server says when it serves
            if "已启动" in line:
                break
        else:
            raise SystemExit(f"服务进程已退出（返回码 {server.wait()}），见 {args.home / 'server.log'}")
        print(f"负载测试：{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.2f}（1 分钟平均）", flush=True)
        lines, ok = asyncio.run(run(f"http://127.0.0.1:{port}", args, tokens, server.pid))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    print("\n".join(["", "—— 汇总 ——", *lines]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
