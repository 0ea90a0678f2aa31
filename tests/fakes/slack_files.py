"""File uploads in the fake Slack Web API, as `files_upload_v2` makes them.

1. `files.getUploadURLExternal` (filename, length) answers a file id and an upload URL;
2. the bytes are POSTed to that URL (here, the fake's own `/upload/<file id>`);
3. `files.completeUploadExternal` (files=[{id, title}], channel_id, thread_ts) shares the
   file: refused unless every file was uploaded with the announced length, and the channel
   is one the bot may post in. The shared file shows in the channel's history.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    channel: str | None = None
    title: str | None = None


class FileUploads:
    """Mixed into the fake: needs `_lock`, `port`, `outside`, `history` and `_next_ts`."""

    _lock: threading.Lock
    port: int
    outside: set[str]
    history: dict[str, list[dict[str, Any]]]
    uploads: dict[str, Upload]

    def _next_ts(self) -> str:
        raise NotImplementedError

    def shared_files(self) -> list[Upload]:
        with self._lock:
            return [u for u in self.uploads.values() if u.channel is not None]

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(p.get("filename") or ""), str(p.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.uploads) + 1:08d}"
        self.uploads[file_id] = Upload(file_id, filename, int(length))
        return {"ok": True, "file_id": file_id,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}"}

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._lock:
            upload = self.uploads.get(request.match_info["file_id"])
            if upload is None:
                return web.Response(status=404, text="unknown upload")
            upload.data = data
        return web.Response(text=f"OK - {len(data)}")

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(p.get("files") or "[]")
        channel = str(p.get("channel_id") or "")
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        shared = []
        for item in files:
            upload = self.uploads.get(str(item.get("id")))
            if upload is None or upload.data is None or len(upload.data) != upload.length:
                return {"ok": False, "error": "file_upload_not_complete"}
            shared.append(upload)
        for upload, item in zip(shared, files, strict=True):
            upload.channel, upload.title = channel or None, item.get("title")
            if channel:
                message = {"type": "message", "ts": self._next_ts(), "files": [
                    {"id": upload.file_id, "name": upload.filename, "title": upload.title}]}
                if p.get("thread_ts"):
                    message["thread_ts"] = p["thread_ts"]
                self.history.setdefault(channel, []).append(message)
        return {"ok": True, "files": [{"id": u.file_id, "title": u.title} for u in shared]}
