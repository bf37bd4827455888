"""Load test: 20 simulated officers ask at once through the web page's HTTP API, on loopback only.

Starts `app.py` in a subprocess over a throw-away data folder (the seed corpus, indexed once and
kept under build/loadtest/), creates 20 accounts, then each simulated officer signs in and asks
up to 3 different questions with gradio_client, as the page does (/send then /answer). Prints
p50/p95 latency, errors, citation hits for questions with a known clause, and the server's RSS.

    .venv/bin/python eval/load_test.py [--users 20] [--questions 3] [--timeout 120]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-pass-1"
LABEL = re.compile(r"<summary>\[\d+\] (\S+?)「")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_home(home: Path, users: int) -> dict[str, str]:
    """Data, index and corpus folders for the server; index built and accounts added here."""
    corpus = home / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for source in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(source, corpus / source.name)
    shutil.rmtree(home / "data", ignore_errors=True)  # fresh accounts each run
    env = {**os.environ, "STUDYBOT_DATA_DIR": str(home / "data"), "STUDYBOT_INDEX_DIR": str(home / "index"),
           "STUDYBOT_CORPUS_DIR": str(corpus), "GRADIO_ANALYTICS_ENABLED": "False"}
    for var in ("STUDYBOT_LLM_BASE_URL", "STUDYBOT_LLM_MODEL", "STUDYBOT_DB_URL", "STUDYBOT_CHROMA_URL"):
        env.pop(var, None)
    if not (home / "index" / "CURRENT").exists():
        subprocess.run([sys.executable, "-m", "bot", "index", "--quiet"], cwd=ROOT, env=env, check=True)
    sheet = home / "users.csv"
    sheet.write_text("id,name,unit,role,password\n" + "".join(
        f"LOAD{n:03d},测试{n},压测单位,officer,{PASSWORD}\n" for n in range(users)), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "bot", "users", "import", str(sheet)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return env


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"服务进程已退出（返回码 {server.returncode}）")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"服务在 {timeout:.0f} 秒内没有启动")


def rss_mb(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of the server process, in MB (from /proc)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def questions() -> list[dict]:
    """Gold questions with the clause that answers them, one document only, different wording each."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [r for r in rows if r.get("kind") == "plain" and r.get("gold")]


def officer(url: str, n: int, asked: list[dict], results: list, stop: threading.Event) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False)
    client.predict(f"LOAD{n:03d}", PASSWORD, api_name="/login")
    for q in asked:
        if stop.is_set():
            return
        started = time.perf_counter()
        try:
            client.predict(q["question"], api_name="/send")
            chat, _ = client.predict(api_name="/answer")
            reply = chat[-1]["content"]
            text = reply if isinstance(reply, str) else " ".join(p.get("text", "") for p in reply)
            error = None if text.strip() else "空回答"
        except Exception as exc:  # a load test counts failures rather than stopping at the first
            text, error = "", f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        cited = LABEL.findall(text)
        results.append({"user": n, "question": q["question"], "gold": q["gold"], "cited": cited,
                        "hit": any(g in cited for g in q["gold"]), "seconds": elapsed, "error": error})


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=3, help="questions per user (at most 3)")
    parser.add_argument("--timeout", type=float, default=120, help="overall limit for the load, seconds")
    parser.add_argument("--home", type=Path, default=ROOT / "build" / "loadtest")
    args = parser.parse_args()
    per_user = max(1, min(args.questions, 3))

    env = prepare_home(args.home, args.users)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env.update(STUDYBOT_HOST="127.0.0.1", STUDYBOT_PORT=str(port))
    log = open(args.home / "server.log", "w")  # noqa: SIM115 - open for the server's lifetime, closed below
    server = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(url, server, timeout=120)
        idle_rss, _ = rss_mb(server.pid)
        pool = questions()
        results: list[dict] = []
        stop = threading.Event()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.users) as executor:
            futures = [executor.submit(officer, url, n,
                                       [pool[(n * per_user + i) % len(pool)] for i in range(per_user)],
                                       results, stop) for n in range(args.users)]
            done, not_done = wait(futures, timeout=args.timeout)
            stop.set()
            login_errors = [f.exception() for f in done if f.exception() is not None]
        wall = time.perf_counter() - started
        loaded_rss, peak_rss = rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    latencies = [r["seconds"] for r in results if r["error"] is None]
    errors = [r for r in results if r["error"]]
    print(f"用户 {args.users} 个，每人最多 {per_user} 问；完成 {len(results)} 问，用时 {wall:.1f} 秒"
          f"（{len(results) / wall:.2f} 问/秒）")
    if latencies:
        print(f"延迟：p50 {statistics.median(latencies):.2f} 秒，p95 {percentile(latencies, 95):.2f} 秒，"
              f"最长 {max(latencies):.2f} 秒")
    print(f"错误：{len(errors)} 个问题出错，{len(login_errors)} 个用户登录/连接失败，{len(not_done)} 个用户超时未完成")
    for r in errors[:5]:
        print(f"  {r['question']}：{r['error']}")
    for exc in login_errors[:5]:
        print(f"  登录/连接：{exc}")
    hits = sum(r["hit"] for r in results)
    print(f"引用命中：{hits}/{len(results)} 个回答引用了标准答案所在条款")
    for r in [r for r in results if not r["hit"] and not r["error"]][:5]:
        print(f"  未命中：{r['question']} 应为 {'、'.join(r['gold'])}，实际引用 {'、'.join(r['cited']) or '无'}")
    print(f"服务进程内存：空闲 {idle_rss:.0f} MB，压测后 {loaded_rss:.0f} MB，峰值 {peak_rss:.0f} MB")
    empty = [r for r in results if r["error"] == "空回答"]
    return 1 if errors or login_errors or not_done or empty else 0


if __name__ == "__main__":
    sys.exit(main())
