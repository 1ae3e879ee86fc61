"""Files -> decoded text: which files are documents, size limits, and one reason per file skipped.

A documents folder may be hostile: links to secrets (/proc/self/environ, /etc/passwd), FIFOs that block a
reader forever, names that are not UTF-8 or that hold newlines, folders nested past Python's recursion
limit. Nothing outside the folder is read, nothing but regular files is opened, and each path that is
passed over gets its reason; the rest is indexed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from retrieval.errors import DecodeError
from retrieval.records import DocMeta, Skipped
from retrieval.text.chars import readable, shown

from .decode import Decoded, clean, decode, looks_binary
from .formats import extract
from .limits import MAX_FILE_BYTES
from .paragraphs import first_heading

SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
# Real document trees are a few levels deep; a folder nested a thousand deep is an attack on the walker
# (Python 3.11's os.walk recurses once per level and dies of RecursionError near 1,000).
MAX_DEPTH = 64
# Kernel files: regular files to stat() that report size 0 and hold the process's secrets.
SYSTEM_FOLDERS = ("/proc", "/sys", "/dev")
OUTSIDE = "a link out of the documents folder"
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# A file changed within this long of being looked at may change again within the same timestamp tick
# (git's "racy clean" problem): its state is not trusted until it is older.
SETTLED_NS = 2_000_000_000


def file_state(path: Path) -> str:
    """What stat says of a file - size, modification and change times in ns, inode - or "" when it cannot
    say or the file changed too recently to be trusted. Equal states, same contents: rewriting a file
    changes its ctime even when its size is kept and its mtime set back (os.utime), which no user can
    set; a file replaced by a rename has a new inode."""
    try:
        info = os.stat(path)
    except OSError:
        return ""
    if not stat.S_ISREG(info.st_mode) or time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < SETTLED_NS:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def walk(folder: Path) -> Iterator[tuple[str, Path] | Skipped]:
    """(name, path) of every document (SUFFIXES) below the folder in a stable order, or Skipped with the reason.

    Hidden files and folders are passed over. A link out of the folder is never followed: the folder
    is what the user chose to index, and a planted link to /proc/self/environ or ~/.ssh would put
    secrets in the index. Inside the folder, a link to a document that is read under its own name
    anyway is passed over (indexing it twice would only report a duplicate), and a link to any other
    file (one without a suffix, one in a hidden folder) is followed. A link to a folder is never
    walked: inside, its files are read under their own names, and following it could loop.
    """
    root = os.path.realpath(folder)
    stack = [(root, "", 0)]  # a stack, not recursion: any depth costs no Python frames
    while stack:
        path, name, depth = stack.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield _skipped(name or str(folder), exc.strerror or str(exc))
            continue
        folders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{name}/{entry.name}" if name else entry.name
            try:
                is_link, is_dir = entry.is_symlink(), entry.is_dir(follow_symlinks=False)
            except OSError as exc:
                yield _skipped(child, exc.strerror or str(exc))
                continue
            document = entry.name.lower().endswith(SUFFIXES)
            if not readable(child):
                if is_dir or document:
                    yield _skipped(child, "its name is not UTF-8 (rename it to index it)")
            elif is_link:
                yield from _link(root, child, entry.path, document)
            elif is_dir:
                folders.append((entry.path, child))
            elif document:
                yield child, Path(entry.path)
        if folders and depth + 1 >= MAX_DEPTH:
            for _, child in folders:
                yield _skipped(child, f"folders nested more than {MAX_DEPTH} deep are not read")
            continue
        stack += [(p, c, depth + 1) for p, c in reversed(folders)]


def _skipped(name: str, reason: str) -> Skipped:
    # A name that is not UTF-8 holds lone surrogates, which nothing can print or store: its bad bytes
    # are shown as \xff. Other names stay as they are; what prints them escapes them.
    return Skipped(name if readable(name) else shown(name), reason)


def _link(root: str, name: str, path: str, document: bool) -> Iterator[tuple[str, Path] | Skipped]:
    target = os.path.realpath(path)  # every link along the way resolved; a loop is left for stat to refuse
    inside = target == root or target.startswith(root.rstrip(os.sep) + os.sep)
    if not inside:
        if document or os.path.isdir(path):
            yield _skipped(name, OUTSIDE)
    elif document and not _listed(target, root):
        yield name, Path(target)


def _listed(target: str, root: str) -> bool:
    """Whether walk() reaches this file (inside root, every link resolved) under its own name."""
    parts = os.path.relpath(target, root).split(os.sep)
    return (os.path.exists(target) and target.lower().endswith(SUFFIXES) and len(parts) <= MAX_DEPTH
            and not any(p.startswith(".") for p in parts))


def list_files(folder: Path) -> list[Path]:
    """Every document below the folder that walk() would read, in a stable order."""
    return [item[1] for item in walk(folder) if not isinstance(item, Skipped)]


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Decoded:
    """Read and decode one file (a Word, PDF or web page by what its bytes hold, whatever its name);
    raises DecodeError or OSError with a reason."""
    return read_document(_read_bytes(path, max_bytes), path.suffix.lower())


def read_document(data: bytes, suffix: str) -> Decoded:
    """Decode one document's bytes (an upload's, a file's): its kind by content, its name's `suffix`
    only to refuse a .docx or .pdf that is none; raises DecodeError with a reason."""
    extracted = extract(data, suffix)
    if extracted is not None:
        return extracted
    decoded = decode(data)
    text = clean(decoded.text)
    if looks_binary(text):
        raise DecodeError("holds binary data, not text")
    if not text.strip():
        raise DecodeError("holds no text")
    return Decoded(text, decoded.encoding, decoded.guessed, decoded.replaced, DocMeta(title=first_heading(text)))


def _read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file. The type is checked before opening (opening a FIFO waits for a
    writer, a tape device rewinds) and again on the open descriptor, in case the file was swapped."""
    try:
        real = os.path.realpath(path)
        system = [f for f in SYSTEM_FOLDERS if real.startswith(f + os.sep)]
        if system:
            raise DecodeError(f"{system[0]} holds the system's files, not documents")
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise DecodeError("not a regular file")
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise DecodeError("cannot be read: it no longer exists") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DecodeError("not a regular file")
        size = info.st_size
        if size > max_bytes:
            raise DecodeError(f"{size / (1024 * 1024):.3g} MB is larger than the {max_bytes / (1024 * 1024):.3g} MB limit "
                              "(split it, or raise WHOSAID_MAX_FILE_MB)")
        # Never more than the size stat reported: a file that grows while it is read is read as it was.
        chunks, left = [], size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_folder(folder: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[tuple[str, Decoded] | Skipped]:
    """Yield (name, decoded) for each readable file, or Skipped naming the file and the reason."""
    for item in scan_folder(folder, max_bytes):
        yield item if isinstance(item, Skipped) else item[:2]


def scan_folder(folder: Path, max_bytes: int = MAX_FILE_BYTES,
                known=None) -> Iterator[tuple[str, Decoded | None, str] | Skipped]:
    """Yield (name, decoded, state) for each readable file, or Skipped naming the file and the reason.
    `known(name, state)` says whether a file in that state is already known as it is: it is then not
    read, and yielded with decoded None. The state is taken before reading (file_state)."""
    for item in walk(folder):
        if isinstance(item, Skipped):
            yield item
            continue
        name, path = item
        state = file_state(path)
        if state and known is not None and known(name, state):
            yield name, None, state
            continue
        try:
            yield name, read_text(path, max_bytes), state
        except DecodeError as exc:
            yield Skipped(name, str(exc))
        except OSError as exc:
            yield Skipped(name, exc.strerror or str(exc))
