"""The private Zarr v3 file writer: arrays written directly as files, each replaced atomically.

Zarr's own writer goes through its asyncio loop and thread pool for every file, tens of
milliseconds of Python (holding the GIL) per append; a recorder appends while training
runs, so the store writes the same files itself (`ChunkedArray`). Zarr reads them back
(tests compare both). Nothing outside `softmaxlab.store` should use this module.
"""

import json
import os
from pathlib import Path

import google_crc32c
import numpy as np


class ChunkedArray:
    """One Zarr v3 array written directly as files: `zarr.json` and uncompressed chunks with a CRC32C.

    Zarr's own writer goes through its asyncio loop and thread pool for every file,
    tens of milliseconds of Python (holding the GIL) per append; a recorder appends
    while training runs, so this writes the same files itself: the array metadata of
    the Zarr v3 spec, chunk keys `c/i/0/...` (default encoding, "/" separator), and
    each chunk as its full chunk shape in little-endian C order followed by the CRC32C
    of those bytes (the `bytes` + `crc32c` codecs), edge chunks padded with the fill
    value 0. Zarr reads it back (tests compare both). Chunking is along axis 0 only;
    the other axes are whole. The last, partly filled chunk is kept in memory, so an
    append never reads the disk. Every file is replaced atomically (temp + rename).
    """

    def __init__(self, folder: Path, shape, dtype, rows_per_chunk):
        self.folder = folder
        self.dtype = np.dtype(dtype).newbyteorder("<")
        self.shape = [int(n) for n in shape]
        self.chunks = [max(1, int(rows_per_chunk)), *(max(1, n) for n in self.shape[1:])]
        self._tail = (None, None)  # (chunk index, (rows, ...) buffer) of the chunk last written
        folder.mkdir(parents=True)
        self.write_metadata()

    def metadata(self):
        """The array's `zarr.json` as a dict (what `zarr.create_array` writes for these options)."""
        single_byte = self.dtype.itemsize == 1
        fill = False if self.dtype.kind == "b" else (0.0 if self.dtype.kind == "f" else 0)
        return {
            "shape": self.shape,
            "data_type": self.dtype.name,
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": self.chunks}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": fill,
            "codecs": [{"name": "bytes"} if single_byte else {"name": "bytes", "configuration": {"endian": "little"}},
                       {"name": "crc32c"}],
            "attributes": {},
            "zarr_format": 3,
            "node_type": "array",
            "storage_transformers": [],
        }

    def write_metadata(self):
        write_json(self.folder / "zarr.json", self.metadata())

    def grow(self, rows):
        """Make room for `rows` rows, rounded up to whole chunks: one metadata write per chunk, not per append."""
        if self.shape[0] < rows:
            self.shape[0] = -(-rows // self.chunks[0]) * self.chunks[0]
            self.write_metadata()

    def trim(self, rows):
        """Set the length to exactly `rows` (the chunk files stay whole, as Zarr keeps them)."""
        if self.shape[0] != rows:
            self.shape[0] = rows
            self.write_metadata()

    def write_rows(self, start, values):
        """Write `values` `(n, *shape[1:])` into rows [start, start + n); rows before `start` are kept."""
        stop = start + values.shape[0]
        if stop == start or 0 in self.shape[1:]:
            return  # nothing to store (Zarr writes no chunk of an empty axis either)
        per = self.chunks[0]
        for index in range(start // per, (stop - 1) // per + 1):
            first = index * per
            held, buffer = self._tail
            lo, hi = max(start, first), min(stop, first + per)
            if lo == first and hi == first + per:
                # a whole chunk from the block: written from the block itself, no zeroed buffer to fill
                self._tail = (None, None)  # the next append starts in the next chunk
                write_chunk(self._chunk_path(index), np.ascontiguousarray(values[lo - start:hi - start],
                                                                           dtype=self.dtype))
                continue
            if held != index:
                # a chunk not written before: rows before `start` exist only in a chunk written before
                buffer = np.zeros((per, *self.shape[1:]), self.dtype)  # (rows per chunk, ...)
            buffer[lo - first:hi - first] = values[lo - start:hi - start]
            self._tail = (index, buffer)
            write_chunk(self._chunk_path(index), buffer)

    def _chunk_path(self, index):
        """The file of chunk `index` along axis 0 (the other axes have one chunk): `c/index/0/...`."""
        return self.folder / "c" / "/".join(str(i) for i in (index, *[0] * (len(self.shape) - 1)))


def atomic_write(path: Path, *parts):
    """Write `parts` (bytes-like) to `path` through a temporary file and a rename: readers see old or new."""
    temporary = path.with_name(f".{path.name}.partial")
    with open(temporary, "wb") as f:
        for part in parts:
            f.write(part)
    os.replace(temporary, path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def write_json(path: Path, document):
    atomic_write(path, json.dumps(document, indent=2, default=_json_default).encode())


# google_crc32c releases the GIL only for a `bytes` object of at least this size (1 MiB)
GIL_FREE_CHECKSUM_BYTES = 1 << 20


def write_chunk(path: Path, buffer):
    """One chunk: its bytes, then their CRC32C as a little-endian uint32 (Zarr's crc32c codec).

    A large chunk is copied to `bytes` first: google_crc32c then computes the checksum without
    the GIL. On an array it holds the GIL throughout (0.7-1.4 ms per 4 MB here), stalling a
    training thread that needs it between two torch operations; the copy holds it ~0.3 ms.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.ascontiguousarray(buffer)  # written as its raw bytes, no copy
    if data.nbytes >= GIL_FREE_CHECKSUM_BYTES:
        data = data.tobytes()
    atomic_write(path, data, np.uint32(google_crc32c.value(data)).astype("<u4").tobytes())


def group_document(attributes):
    return {"attributes": attributes, "zarr_format": 3, "node_type": "group"}
