"""Bounded load test on loopback: N clients x M questions through gradio_client, then a burst past the queue.

    .venv/bin/python eval/loadtest.py [--clients 20] [--questions 50] [--burst 60]

Prints accepted/errors/busy counts, p50/p95 latency and the server's memory before and after.
Traffic goes only to 127.0.0.1, and every loop is bounded.
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.bench.timing import percentiles  # noqa: E402
from retrieval.evaluation.scratch import scratch_engine  # noqa: E402
from ui.app import Limits
from ui.server import serve_in_background  # noqa: E402

QUESTIONS = ["王文军怎么看工会组织全覆盖？", "谁谈到了青年教师？", "What did Zhou Yibing say?", "赵莹认为工会面临哪些挑战？",
             "今天北京天气怎么样？", "他还说了什么？", "谁提到了暖心驿站？", "马晓燕说了什么？"]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(clients: int, questions: int, burst: int, queue_size: int = 64) -> dict:
    from gradio_client import Client

    root = Path(__file__).resolve().parent.parent
    with scratch_engine([root / "seeds", root / "tests" / "fixtures"]) as engine:
        url, app = serve_in_background(engine, Limits(concurrency=2, queue_size=queue_size))
        try:
            warm = Client(url, verbose=False)
            for q in QUESTIONS:  # one of each kind first: lazy tables (e.g. the English glossary) load once
                warm.predict(q, "", api_name="/chat")
            before = rss_mb()
            times, errors, lock = [], [], threading.Lock()

            def worker(n: int) -> None:
                client = Client(url, verbose=False)
                for i in range(questions):
                    q = QUESTIONS[(n + i) % len(QUESTIONS)]
                    start = time.perf_counter()
                    try:
                        messages, _ = client.predict(q, "", api_name="/chat")
                        assert messages and messages[0]["content"]
                        with lock:
                            times.append((time.perf_counter() - start) * 1000)
                    except Exception as exc:  # noqa: BLE001 - counted and reported
                        with lock:
                            errors.append(f"{type(exc).__name__}: {exc}")

            threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
            samples, done = [], threading.Event()

            def sample() -> None:  # memory through the run: growth that levels off is not a leak
                while not done.wait(5):
                    samples.append(round(rss_mb()))

            sampler = threading.Thread(target=sample, daemon=True)
            start = time.perf_counter()
            sampler.start()
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=900)
            done.set()
            wall = time.perf_counter() - start
            after = rss_mb()

            burst_client = Client(url, verbose=False)
            jobs = [burst_client.submit(QUESTIONS[i % 4], "", api_name="/chat") for i in range(burst)]
            busy = answered = other = 0
            for job in jobs:
                try:
                    job.result(timeout=300)
                    answered += 1
                except Exception as exc:  # noqa: BLE001
                    if "try again" in str(exc).lower():
                        busy += 1
                    else:
                        other += 1
            still_up = bool(Client(url, verbose=False).predict(QUESTIONS[1], "", api_name="/chat")[0])
        finally:
            app.close()
    p50, p95 = percentiles(times) if times else (None, None)
    return {
        "requests": clients * questions, "accepted_ok": len(times), "errors": len(errors),
        "first_errors": errors[:3], "wall_s": round(wall, 1), "throughput_rps": round(len(times) / wall, 1),
        "p50_ms": None if p50 is None else round(p50, 1),
        "p95_ms": None if p95 is None else round(p95, 1),
        "rss_before_mb": round(before, 1), "rss_after_mb": round(after, 1), "rss_every_5s_mb": samples,
        "burst": burst, "burst_answered": answered, "burst_busy": busy, "burst_other_errors": other,
        "answers_after_burst": still_up,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--queue", type=int, default=64)
    args = parser.parse_args()
    for key, value in run(args.clients, args.questions, args.burst, queue_size=args.queue).items():
        print(f"{key:<22} {value}")


if __name__ == "__main__":
    main()
