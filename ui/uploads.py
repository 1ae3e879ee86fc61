"""Uploads: refused outright while the page has no component that takes a file.

Gradio's upload routes write whatever arrives into its temp folder and keep it; a page that takes no
files has no use for them. The gate answers 403 before a byte of the body is read, so nothing reaches
the disk. A page that takes documents turns uploads on in Limits; Gradio's max_file_size then bounds
each file (and the body cap does not apply to these routes).
"""

from __future__ import annotations

from .asgi import refuse

UPLOAD_PATHS = frozenset(f"/gradio_api/{route}{slash}" for route in ("upload", "process_recording")
                         for slash in ("", "/"))


class UploadGate:
    def __init__(self, app, enabled: bool = False) -> None:
        self.app, self.enabled = app, enabled

    async def __call__(self, scope, receive, send) -> None:
        if not self.enabled and scope["type"] == "http" and scope.get("path") in UPLOAD_PATHS:
            await refuse(send, 403, "uploads are off: this page takes no files")
            return
        await self.app(scope, receive, send)
