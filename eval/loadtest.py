"""Bounded load test on loopback, from outside: `whosaid serve` runs in its own process; this process drives
its JSON API with N concurrent clients and its chat page through gradio_client, then a burst past the queue.

    .venv/bin/python eval/loadtest.py [--clients 20] [--questions 50] [--burst 200]

Prints, for the same run on the same machine: the engine's own `ask_batch` throughput (in this process,
before the server starts), the API's throughput, p50/p95 and errors, the chat page's, the burst's
accepted/busy counts and the server's memory. Traffic goes only to 127.0.0.1, and every loop is bounded.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.bench.timing import percentiles  # noqa: E402
from retrieval.evaluation.scratch import scratch_engine  # noqa: E402

QUESTIONS = ["王文军怎么看工会组织全覆盖？", "谁谈到了青年教师？", "What did Zhou Yibing say?", "赵莹认为工会面临哪些挑战？",
             "今天北京天气怎么样？", "谁提到了暖心驿站？", "马晓燕说了什么？", "富士康工会主席怎么看建会？"]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _drive(clients: int, questions: int, ask) -> dict:
    """`clients` threads, each asking `questions` questions in turn through ask(client_number, question)."""
    times, errors, lock = [], [], threading.Lock()

    def worker(n: int) -> None:
        for i in range(questions):
            q = QUESTIONS[(n + i) % len(QUESTIONS)]
            start = time.perf_counter()
            try:
                ask(n, q)
                with lock:
                    times.append((time.perf_counter() - start) * 1000)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=1800)
    wall = time.perf_counter() - start
    p50, p95 = percentiles(times) if times else (None, None)
    return {"ok": len(times), "errors": len(errors), "first_errors": errors[:3], "wall_s": round(wall, 1),
            "throughput_qps": round(len(times) / wall, 1), "p50_ms": p50 and round(p50, 1),
            "p95_ms": p95 and round(p95, 1)}


def run(clients: int, questions: int, burst: int, queue_size: int = 64) -> dict:
    import httpx
    from gradio_client import Client

    out: dict = {}
    with scratch_engine([ROOT / "seeds", ROOT / "tests" / "fixtures"]) as engine:
        batch = [QUESTIONS[i % len(QUESTIONS)] for i in range(clients * questions)]
        engine.ask_batch(QUESTIONS)                       # lazy tables load outside the timing
        start = time.perf_counter()
        engine.ask_batch(batch, k=3)
        out["engine_ask_batch_qps"] = round(len(batch) / (time.perf_counter() - start), 1)
        index_dir = engine.settings.index_dir
        engine.close()

        port = _free_port()
        url = f"http://127.0.0.1:{port}/"
        env = dict(os.environ, WHOSAID_INDEX=str(index_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        server = subprocess.Popen([sys.executable, "-m", "retrieval", "serve", "--port", str(port),
                                   "--queue", str(queue_size)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(url + "api/documents", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"whosaid serve did not start: {server.stderr.read()[-500:]}")
                time.sleep(0.5)
            for q in QUESTIONS:
                httpx.post(url + "api/ask", json={"question": q, "k": 3}, timeout=120)
            out["server_rss_before_mb"] = round(rss_mb(server.pid))

            sessions = [httpx.Client(base_url=url, timeout=300) for _ in range(clients)]

            def api_ask(n: int, q: str) -> None:
                reply = sessions[n].post("/api/ask", json={"question": q, "k": 3})
                reply.raise_for_status()
                assert reply.json()["query"] == q

            api = _drive(clients, questions, api_ask)
            out.update({f"api_{key}": value for key, value in api.items()})
            out["api_share_of_engine_throughput"] = round(api["throughput_qps"] / out["engine_ask_batch_qps"], 2)
            for session in sessions:
                session.close()

            pages = [Client(url, verbose=False) for _ in range(min(clients, 8))]

            def page_ask(n: int, q: str) -> None:
                messages, *_ = pages[n % len(pages)].predict(q, "", api_name="/chat")
                assert messages and messages[0]["content"]

            page = _drive(min(clients, 8), max(1, questions // 5), page_ask)
            out.update({f"page_{key}": value for key, value in page.items()})
            out["server_rss_after_mb"] = round(rss_mb(server.pid))

            burst_client = Client(url, verbose=False)
            jobs = [burst_client.submit(QUESTIONS[i % 4], "", api_name="/chat") for i in range(burst)]
            busy = answered = other = 0
            for job in jobs:
                try:
                    job.result(timeout=300)
                    answered += 1
                except Exception as exc:  # noqa: BLE001
                    busy += "try again" in str(exc).lower()
                    other += "try again" not in str(exc).lower()
            out.update({"burst": burst, "burst_answered": answered, "burst_busy": busy, "burst_other_errors": other})
            out["answers_after_burst"] = httpx.post(url + "api/ask", json={"question": QUESTIONS[1]},
                                                    timeout=120).status_code == 200
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--queue", type=int, default=64)
    args = parser.parse_args()
    for key, value in run(args.clients, args.questions, args.burst, args.queue).items():
        print(f"{key:<34} {value}")


if __name__ == "__main__":
    main()
