"""A client in its own process, for measuring the JSON API from outside: questions on stdin (one per line),
each POSTed to URL/api/ask in turn over one keep-alive connection; prints {"times_ms": [...], "errors": n}.

    python -m retrieval.bench.client http://127.0.0.1:7860/ [--warm 5] [--k 3] < questions.txt
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main() -> None:
    import httpx

    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--warm", type=int, default=5, help="questions asked first and not timed")
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    questions = [line.strip() for line in sys.stdin if line.strip()]
    times, errors = [], 0
    with httpx.Client(base_url=args.url, timeout=120) as client:
        for q in questions[:args.warm]:
            client.post("/api/ask", json={"question": q, "k": args.k})
        for q in questions:
            start = time.perf_counter()
            reply = client.post("/api/ask", json={"question": q, "k": args.k})
            elapsed = (time.perf_counter() - start) * 1000
            if reply.status_code == 200:
                times.append(elapsed)
            else:
                errors += 1
    print(json.dumps({"times_ms": times, "errors": errors}))


if __name__ == "__main__":
    main()
