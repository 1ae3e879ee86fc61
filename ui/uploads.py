"""Uploads from the page: what Gradio's upload route may take, and the private folder it writes to.

Gradio's `/gradio_api/upload` writes whatever arrives into its upload folder and keeps it (its only
bound is max_file_size, per file, and a thousand files a request). The page's documents panel needs it;
the gate keeps it to what that panel can use:
- off (Limits.uploads=False): 403 before a byte of the body is read;
- on: the body must say its size (411) and be no larger than one upload of the panel may be (413), and
  the folder of uploads waiting to be indexed has a quota (429, try again), so that files uploaded and
  never added (by a script, a closed tab) cannot fill the disk; Gradio's delete_cache clears those after a while,
  and the panel deletes each file as soon as it has read it.
- `process_recording` (audio) is always refused: the page records nothing.
With a login (WHOSAID_USER/WHOSAID_PASSWORD), Gradio's own check answers an anonymous upload 401
before it reads the body.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .asgi import refuse

UPLOAD_PATHS = frozenset(f"/gradio_api/{route}{slash}" for route in ("upload", "process_recording")
                         for slash in ("", "/"))
RETRY_S = 60   # a full upload folder empties as the panel indexes what waits (or Gradio's cleaner runs)
RECORDING_PATHS = frozenset(("/gradio_api/process_recording", "/gradio_api/process_recording/"))


class UploadSpool:
    """A folder of Gradio's upload folder for this server alone, so that its size is ours to count."""

    def __init__(self, quota: int, parent: str | None = None) -> None:
        if parent is None:
            from gradio.utils import get_upload_folder

            parent = get_upload_folder()  # uploads must stay under it: Gradio takes no file from elsewhere
        Path(parent).mkdir(parents=True, exist_ok=True)
        self.quota = quota
        self.folder = Path(tempfile.mkdtemp(prefix="whosaid-uploads-", dir=parent))

    def used(self) -> int:
        """Bytes of the files waiting in the folder."""
        total = 0
        for root, _dirs, files in os.walk(self.folder):
            for name in files:
                try:
                    total += os.lstat(os.path.join(root, name)).st_size
                except OSError:
                    continue  # deleted meanwhile
        return total

    def adopt(self, gradio_app) -> None:
        """Make Gradio's upload route (of the app that serves the page) write here."""
        gradio_app.uploaded_file_dir = str(self.folder)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _length(scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            return value.decode("latin-1")
    return None


class UploadGate:
    def __init__(self, app, enabled: bool = False, limit: int = 0, spool: UploadSpool | None = None) -> None:
        # limit: the largest upload body (Limits.uploads on); spool: where Gradio writes them
        self.app, self.enabled, self.limit, self.spool = app, enabled and spool is not None, limit, spool

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path in RECORDING_PATHS or (path in UPLOAD_PATHS and not self.enabled):
            await refuse(send, 403, "uploads are off: this page takes no such files")
            return
        if path in UPLOAD_PATHS and scope.get("method") == "POST":
            length = _length(scope)
            if length is None or not length.strip().isdigit():
                await refuse(send, 411, "an upload must say its size: send it with a Content-Length header")
                return
            if int(length) > self.limit:
                await refuse(send, 413, f"upload too large: the limit is {self.limit} bytes")
                return
            if self.spool.used() + int(length) > self.spool.quota:
                await refuse(send, 429, f"too many uploads are waiting to be indexed; try again in {RETRY_S} seconds",
                             ((b"retry-after", str(RETRY_S).encode()),))
                return
        await self.app(scope, receive, send)
