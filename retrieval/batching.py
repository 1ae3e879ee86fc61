"""Questions asked at the same time, answered together: one `Engine.ask_batch` call per group.

A server answering many clients one question at a time embeds each question alone; the model costs
nearly as much for one text as for a dozen, so concurrent callers wait on each other's single-text
calls. Here every caller hands its question to one worker thread, which takes whatever has queued up
while it was busy and asks it in one batch per (k, speaker). Nothing waits for company: a lone
question goes at once, and under load the batches grow by themselves while the previous one runs.

Each caller gets its own Answer or its own error: the question is checked before it joins a batch,
and a batch that fails as a whole is asked again question by question.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from retrieval.engine import Engine, check_question
from retrieval.records import Answer

IDLE_S = 2.0  # the worker ends after this long without a question; the next one starts it again


@dataclass(frozen=True)
class _Asked:
    question: str
    k: int
    speaker: str | None
    future: Future = field(compare=False)


class AskBatcher:
    """`ask(question, k, speaker)` from any thread; concurrent questions share `Engine.ask_batch` calls."""

    def __init__(self, engine: Engine, max_batch: int = 64) -> None:
        self.engine, self.max_batch = engine, max_batch
        self._queue: queue.SimpleQueue[_Asked] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def submit(self, question: str, k: int = 5, speaker: str | None = None) -> Future:
        """A Future of the Answer. A question that cannot be asked raises here, in its caller's thread."""
        check_question(question)
        asked = _Asked(question, k, speaker, Future())
        self._queue.put(asked)
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="whosaid-ask-batcher", daemon=True)
                self._worker.start()
        return asked.future

    def ask(self, question: str, k: int = 5, speaker: str | None = None) -> Answer:
        return self.submit(question, k, speaker).result()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    # a question put after the timeout but before this lock is taken by a new worker
                    # only if this one is seen as gone: end only when the queue is still empty
                    if self._queue.empty():
                        self._worker = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            groups: dict[tuple[int, str | None], list[_Asked]] = {}
            for asked in batch:
                groups.setdefault((asked.k, asked.speaker), []).append(asked)
            for (k, speaker), group in groups.items():
                self._answer(group, k, speaker)

    def _answer(self, group: list[_Asked], k: int, speaker: str | None) -> None:
        live = [a for a in group if a.future.set_running_or_notify_cancel()]
        if len(live) == 1:
            self._one(live[0], k, speaker)
            return
        if not live:
            return
        try:
            answers = self.engine.ask_batch([a.question for a in live], k=k, speaker=speaker)
        except Exception:  # noqa: BLE001 - asked again one by one, so each caller gets its own outcome
            for asked in live:
                self._one(asked, k, speaker)
            return
        for asked, answer in zip(live, answers, strict=True):
            asked.future.set_result(answer)

    def _one(self, asked: _Asked, k: int, speaker: str | None) -> None:
        try:
            asked.future.set_result(self.engine.ask(asked.question, k=k, speaker=speaker))
        except Exception as exc:  # noqa: BLE001 - handed to its caller, who raises it
            asked.future.set_exception(exc)
