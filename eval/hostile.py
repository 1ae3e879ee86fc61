"""A folder of hostile documents beside a real one, indexed by `whosaid index` in its own process: time,
peak memory, one line per bad path, and whether anything leaked.

    python eval/hostile.py [--scale 1.0] [--keep DIR]

The corpus holds every kind of bad input the red-team of issue 13 used: links to secrets and devices, a
FIFO, a 2 MB paragraph, a hundred thousand quotation marks, a megabyte of one-letter lines, odd file
names (bytes that are not UTF-8, a newline, an ANSI colour code), folders nested 1,200 deep, Japanese and
Korean encodings, Big5, a tiny file, a document with one bad byte, binary data and an empty file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_805b274e1e5db619.txt"
SECRET = "hostile-corpus-secret-7f3a9c"      # planted in the indexer's environment; must never be indexed
QUESTION = "工会主席怎么看建会？"
NEWS = ("区交通委副主任孙立平介绍，今年将在老旧小区新增共享车位一千个。“停车难要一个小区一个小区地解决。”他说。\n"
        "居民王秀兰说：“以前晚上回来找不到车位，现在好多了。”\n")


def make_corpus(folder: Path, scale: float = 1.0) -> dict[str, str]:
    """Write the corpus into `folder`; returns {kind: path relative to folder} of the bad documents."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder / SEED.name)
    n = lambda count: max(1, int(count * scale))  # noqa: E731 - a one-line scale
    bad: dict[str, str] = {}

    def put(kind: str, name: str | bytes, data: bytes) -> None:
        path = os.path.join(os.fsencode(folder), name if isinstance(name, bytes) else os.fsencode(name))
        with open(path, "wb") as f:
            f.write(data)
        bad[kind] = os.fsdecode(name) if isinstance(name, bytes) else name

    def link(kind: str, name: str, target: str) -> None:
        os.symlink(target, folder / name)
        bad[kind] = name

    link("link to the environment", "env.txt", "/proc/self/environ")
    link("link to a system file", "passwd.txt", "/etc/passwd")
    link("link to a device", "zero.txt", "/dev/zero")
    outside = folder.parent / (folder.name + "-outside")
    outside.mkdir(exist_ok=True)
    (outside / "private.txt").write_text("外面的文件不该被索引，李某某说。\n", encoding="utf-8")
    link("link to a folder outside", "elsewhere", str(outside))
    os.mkfifo(folder / "pipe.txt")
    bad["a FIFO"] = "pipe.txt"

    put("one paragraph of 2 MB", "long.txt", ("工会工作要围绕中心，" * n(66_000) + "\n").encode())
    put("a hundred thousand quotation marks", "quotes.txt", ("“" * n(100_000) + "\n").encode())
    put("340 KB of balanced quotations", "balanced.txt", ("“他说了很多话。”" * n(13_000) + "\n").encode())
    put("a megabyte of one-letter lines", "letters.txt", b"a\n" * n(1_000_000))
    put("two-letter lines", "pairs.txt", b"ab\n" * n(350_000))

    put("a name that is not UTF-8", b"bad\xffname.txt", NEWS.encode())
    put("a newline in a name", "forged\nwhosaid: Indexed 999 documents.txt", (NEWS + "第二份。\n").encode())
    put("an ANSI colour code in a name", "\x1b[31mred\x1b[0m.txt", (NEWS + "第三份。\n").encode())
    fd = os.open(folder, os.O_RDONLY)
    try:  # one level at a time: os.makedirs itself recurses once per level
        for name in ["deep"] + ["d"] * 1_200:
            os.mkdir(name, dir_fd=fd)
            fd, parent = os.open(name, os.O_RDONLY, dir_fd=fd), fd
            os.close(parent)
        bottom = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(bottom, NEWS.encode())
        os.close(bottom)
    finally:
        os.close(fd)
    bad["folders nested 1,200 deep"] = "deep/…"

    put("Shift-JIS", "japanese.txt", "東京都は今日、新しい計画を発表しました。担当者は「来年から始めます」と話した。\n".encode("shift_jis"))
    put("EUC-KR", "korean.txt", "서울시는 오늘 새로운 계획을 발표했다. 담당자는 내년부터 시작한다고 말했다.\n".encode("euc_kr"))
    put("Big5", "big5.txt", "區交通委副主任孫立平介紹，今年將新增共享車位一千個。居民王秀蘭說：「現在好多了。」\n".encode("big5"))
    put("a tiny file", "tiny.txt", "你好".encode())
    put("one bad byte", "onebad.txt", (NEWS + "第四份。\n").encode()[:40] + b"\xff" + (NEWS + "第四份。\n").encode()[40:])
    put("binary data", "image.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    put("an empty file", "empty.txt", b"")
    put("invisible characters in a name", "zw.txt", "居民王\u200d秀\u200c兰说：“现在好多了，停车不难了。”\n".encode())
    return bad


def remove(folder: Path) -> None:
    """Delete a corpus: shutil.rmtree recurses once per level and dies of RecursionError in the deep
    folders (and so would pytest's own clean-up of its temporary folders), rm -rf does not."""
    subprocess.run(["rm", "-rf", "--", str(folder)], check=False)


def _hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:  # it has just exited
        pass
    return 0


def run(folder: Path, index: Path, timeout: float = 1800) -> dict:
    """`whosaid index` on the folder in its own process: rc, seconds, its own peak RSS (MB), its stderr lines."""
    env = dict(os.environ, WHOSAID_HOSTILE_SECRET=SECRET, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "retrieval", "index", str(folder), "--index", str(index)],
                                 stdout=out, stderr=err, text=True, errors="replace", env=env, cwd=ROOT)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        # The indexer's own peak: VmHWM of its address space, read until it exits. (ru_maxrss from wait4
        # or RUSAGE_CHILDREN keeps what the child had before exec, i.e. the size of the forking process:
        # 1.4 GB when pytest forks it late in a full run.)
        peak_kb = 0
        while child.poll() is None:
            peak_kb = max(peak_kb, _hwm_kb(child.pid))
            time.sleep(0.1)
        timer.cancel()
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    answer = subprocess.run([sys.executable, "-m", "retrieval", "ask", "--json", "--index", str(index), QUESTION],
                            capture_output=True, text=True, errors="replace", env=env, timeout=600, cwd=ROOT)
    leaked = [p.name for p in index.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    return {"rc": child.returncode, "seconds": round(seconds, 1), "peak_rss_mb": round(peak_kb / 1024),
            "stderr": stderr.splitlines(), "stdout": stdout.strip(), "leaked": leaked,
            "answer": json.loads(answer.stdout) if answer.returncode == 0 else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size of the large documents (1.0: as reported)")
    parser.add_argument("--keep", type=Path, help="build the corpus and index here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="whosaid-hostile-"))
    bad = make_corpus(base / "docs", args.scale)
    result = run(base / "docs", base / "index")
    print(f"{len(bad)} kinds of bad input beside the seed; whosaid index: rc {result['rc']}, "
          f"{result['seconds']} s, peak RSS {result['peak_rss_mb']} MB")
    for line in result["stderr"]:
        print("  " + line)
    print("  " + result["stdout"])
    top = (result["answer"] or {}).get("passages", [{}])[0]
    print(f"seed answerable: {bool(top)} ({top.get('speaker')}, {top.get('doc')}); "
          f"secret in the index: {result['leaked'] or 'no'}")
    if not args.keep:
        remove(base)


if __name__ == "__main__":
    main()
