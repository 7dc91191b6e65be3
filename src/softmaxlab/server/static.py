"""The web build's files, held in memory and served with gzip, validators and cache headers.

`SiteFiles(folder)` reads every file of a site written by `softmaxlab.web.build.write_site` once, at
start-up, and compresses each text file once. A request is a lookup in that table, never a path on disk,
so no URL can reach another file: `..`, encoded separators and directory listings have nothing to find.
"""

from __future__ import annotations

import datetime
import email.utils
import gzip
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
COMPRESSIBLE = (".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt")
MIN_GZIP = 512  # smaller files gain nothing from compression
HTML_CACHE = "no-cache"  # a page is revalidated on every visit (304 when unchanged)
ASSET_CACHE = "public, max-age=3600"  # scripts, styles: an hour, then revalidated by ETag


@dataclass(frozen=True)
class SiteFile:
    """One file of the site: its bytes, their gzip (or None), its type and validators."""

    body: bytes
    gzipped: bytes | None
    content_type: str
    etag: str  # a strong ETag of the identity bytes (the gzip variant appends "-gz")
    cache_control: str


class SiteFiles:
    """Every file of the site under `folder`, by URL path ("/", "/softmax/", "/assets/site.css").

    Hidden files (the build's marker) are not served. `modified` is the time the files were read,
    sent as Last-Modified.
    """

    def __init__(self, folder):
        folder = Path(folder)
        self.files: dict[str, SiteFile] = {}
        self.folders: set[str] = set()  # "/softmax" for the redirect to "/softmax/"
        now = int(time.time())  # whole seconds, as HTTP dates
        self.modified = email.utils.formatdate(now, usegmt=True)
        self.modified_at = datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            body = path.read_bytes()
            suffix = path.suffix.lower()
            zipped = gzip.compress(body, compresslevel=9, mtime=0) if (
                suffix in COMPRESSIBLE and len(body) >= MIN_GZIP) else None
            if zipped is not None and len(zipped) >= len(body):
                zipped = None
            entry = SiteFile(body=body, gzipped=zipped, content_type=TYPES.get(suffix, "application/octet-stream"),
                             etag=hashlib.sha256(body).hexdigest()[:32],
                             cache_control=HTML_CACHE if suffix == ".html" else ASSET_CACHE)
            url = "/" + rel.as_posix()
            self.files[url] = entry
            if rel.name == "index.html":
                parent = "/" + rel.parent.as_posix() if rel.parent != Path(".") else ""
                self.files[parent + "/"] = entry
                if parent:
                    self.folders.add(parent)

    def lookup(self, path: str) -> SiteFile | None:
        return self.files.get(path)

    def total_bytes(self) -> int:
        return sum(len(f.body) + len(f.gzipped or b"") for f in {id(f): f for f in self.files.values()}.values())
