"""The read-only JSON API under `/api/` (docs/server.md): runs, a run's summary, its logits, its figures.

Every handler takes the decoded path segments and the parsed query and returns `(status, document)`;
errors are `ApiError(status, message)`. Parameters are checked here, before any work: unknown or repeated
names, non-integers and values out of range are a 400 naming the parameter and what is allowed.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import math
import threading
from pathlib import Path

import numpy as np

from .runs import BadRun, Busy, ByteLRU, HeavyGate, NotFound, SingleFlight, check_tree, run_folder, run_nbytes

READINGS = ("readings", "data-map", "reliability", "forgetting", "neural-collapse")
LIMITS = {"max_records": (1, 2000, 200), "max_samples": (1, 20000, 1000)}  # name -> (min, max, default)
MAX_INDEX = 10**12  # a record index this large is refused before any comparison
ENCODINGS = ("base64", "list", "binary")  # of a logits answer's arrays
BINARY_TYPE = "application/vnd.softmaxlab.logits"  # encoding=binary: see binary_answer
HEAVY_WAIT = 60.0  # seconds a request waits for a free heavy slot before a 503
BIG_RUN_BYTES = 64 << 20  # a figure over a run whose logits are bigger takes every heavy slot (one memory peak)


class ApiError(Exception):
    """An error answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _integer(name, text, low, high, *, allow_last=False):
    text = text.strip()
    if not (text.lstrip("-").isdigit() and text.isascii()) or len(text) > 14:
        raise ApiError(400, f"{name}: {text[:40]!r} is not an integer")
    value = int(text)
    if allow_last and value == -1:
        return value
    if not low <= value <= high:
        last = " or -1 (the last)" if allow_last else ""
        raise ApiError(400, f"{name}: {value} is out of range (allowed {low}..{high}{last})")
    return value


def check_query(pairs, allowed):
    """name -> value of the query `pairs`; 400 for an unknown or repeated name."""
    values = {}
    for name, value in pairs:
        if name not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            raise ApiError(400, f"unknown parameter {name[:40]!r} (allowed: {known})")
        if name in values:
            raise ApiError(400, f"{name}: given more than once")
        values[name] = value
    return values


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _finite_or_none(values):
    return [None if not math.isfinite(v) else v for v in np.asarray(values, dtype=np.float64).tolist()]


def _trim_memory():
    """glibc's malloc_trim: return freed heap pages to the system (RSS falls after a big job); no-op elsewhere."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _scrub(text: str, root: Path) -> str:
    """`text` without the runs folder's absolute path (a message may quote a file in it)."""
    return str(text).replace(str(root) + "/", "").replace(str(root), "the runs folder")


class Api:
    """The handlers, with the runs folder, the run and figure caches and the heavy-work semaphore.

    Args:
        logdir: the runs folder (resolved here).
        run_cache_bytes: the most bytes of run arrays kept in memory.
        figure_cache_bytes: the most bytes of figure JSON kept.
        heavy: how many requests may read a run or build a figure at once.
        waiting: how many more may wait for them (each holds a server thread); beyond, a 503 at once.
    """

    def __init__(self, logdir, *, run_cache_bytes=768 << 20, figure_cache_bytes=96 << 20, heavy=2, waiting=16):
        self.root = Path(logdir).expanduser().resolve()
        self.runs = ByteLRU(run_cache_bytes)
        self.figures = ByteLRU(figure_cache_bytes)
        self.summaries = ByteLRU(4 << 20)  # the listing's lines, by (path, stamp)
        self.answers = ByteLRU(64 << 20)  # logits answers (JSON bytes), by (path, stamp, parameters)
        # a run's logits at the kept samples, every record (C order), by (path, stamp, max_samples): a moving
        # step slider then copies whole contiguous records instead of gathering them across the run
        self.kept = ByteLRU(128 << 20)
        self.encoding = threading.BoundedSemaphore(4)  # logits answers made at once: bounds their buffers
        self.flights = SingleFlight()
        self.gate = HeavyGate(heavy, waiting, HEAVY_WAIT)

    # ---- runs -------------------------------------------------------------------------------------------
    def _stamp(self, path):
        from softmaxlab.store.catalog import run_stamp

        try:
            return run_stamp(path)
        except OSError:
            raise NotFound(f"no run called {path.name!r} in the runs folder") from None

    def _queued(self, work):
        """`work()` counted as a request waiting for heavy work; 503 when too many already wait."""
        try:
            self.gate.enter()
        except Busy as e:
            raise ApiError(503, str(e), {"Retry-After": "2"}) from None
        try:
            return work()
        except Busy as e:
            raise ApiError(503, str(e), {"Retry-After": "2"}) from None
        finally:
            self.gate.leave()

    def run(self, name):
        """(path, stamp, Run) of run `name`, from the cache when it has not changed on disk.

        A run is read only after `check_tree` found no link out of the runs folder in it; an answer from
        the cache was read so.
        """
        from softmaxlab.store import RunStoreError, load_run

        try:
            path = run_folder(self.root, name, tree=False)
        except ValueError as e:
            if isinstance(e, BadRun):
                raise ApiError(422, str(e)) from None
            raise ApiError(400, str(e)) from None
        except NotFound as e:
            raise ApiError(404, str(e)) from None
        stamp = self._stamp(path)
        key = (str(path), stamp)
        cached = self.runs.get(key)
        if cached is not None:
            return path, stamp, cached

        def read():
            hit = self.runs.get(key)
            if hit is not None:
                return hit
            try:
                check_tree(self.root, path)
                with self.gate.hold(1):
                    loaded = load_run(path)
            except BadRun as e:
                raise ApiError(422, str(e)) from None
            except RunStoreError as e:
                raise ApiError(422, f"run {name!r} cannot be read: {_scrub(e.problem, self.root)}") from None
            except OSError as e:
                raise ApiError(404, f"run {name!r} vanished while it was read ({type(e).__name__})") from None
            self.runs.drop(lambda k: k[0] == key[0])  # older versions of this run
            self.runs.put(key, loaded, run_nbytes(loaded))
            return loaded

        return path, stamp, self._queued(lambda: self.flights.do(("run",) + key, read))

    @staticmethod
    def stamp_text(stamp) -> str:
        return hashlib.sha256(repr(stamp).encode()).hexdigest()[:16]

    # ---- handlers ---------------------------------------------------------------------------------------
    def list_runs(self, query):
        from softmaxlab.store import RunStoreError
        from softmaxlab.store.catalog import summarize_run
        from softmaxlab.store.layout import read_group_attributes

        check_query(query, ())
        from .runs import check_name

        try:
            children = sorted(p for p in self.root.iterdir() if not p.name.startswith("."))
        except OSError as e:
            raise ApiError(404, f"the runs folder cannot be listed ({type(e).__name__})") from None
        out = []
        for path in children:
            try:
                check_name(path.name)
            except ValueError:
                continue  # a name no request could open
            line = {"name": path.name, "kind": "broken", "records": None, "samples": None, "classes": None,
                    "complete": None, "modified": None, "final_loss": None, "final_accuracy": None}
            try:
                check_tree(self.root, path)
            except BadRun as e:
                if path.is_symlink() or path.is_dir():
                    out.append({**line, "error": str(e)})
                continue
            except OSError:
                continue
            try:
                if not path.is_dir() or read_group_attributes(path) is None:
                    continue
            except RunStoreError:
                pass  # an unreadable zarr.json: summarize_run lists it as broken
            try:
                stamp = self._stamp(path)
                key = (str(path), stamp)
                summary = self.summaries.get(key)
                if summary is None:
                    summary = summarize_run(path)
                    self.summaries.put(key, summary, 512)
            except (RunStoreError, NotFound, OSError):
                continue  # vanished or turned out not to be a run while we looked
            line.update(kind=summary.kind, records=summary.records, samples=summary.samples,
                        classes=summary.classes, complete=summary.complete, modified=_iso(summary.modified),
                        final_loss=summary.final_loss, final_accuracy=summary.final_accuracy)
            for k in ("final_loss", "final_accuracy"):
                if line[k] is not None and not math.isfinite(line[k]):
                    line[k] = None
            if summary.kind == "broken":
                line["error"] = _scrub(summary.error or "damaged", self.root)
            out.append(line)
        return {"runs": out}

    def summary(self, name, query):
        check_query(query, ())
        path, stamp, run = self.run(name)
        config = run.config
        query_text = None
        if isinstance(config, dict):
            from softmaxlab.web import experiment_query

            query_text = experiment_query(config)
        records = run.num_records
        extras = sorted(run.extras)
        return {
            "name": path.name,
            "kind": "lab" if config is not None else "recorded",
            "records": records,
            "samples": run.num_samples,
            "classes": run.num_classes,
            "input_dim": None if run.inputs is None else int(run.inputs.shape[1]),
            "first_step": int(run.steps[0]) if records else None,
            "last_step": int(run.steps[-1]) if records else None,
            "complete": run.complete,
            "ranks": [{"rank": r.rank, "samples": list(r.samples), "records": r.records, "complete": r.complete}
                      for r in run.ranks],
            "config": config,
            "query": query_text,
            "description": run.description,
            "extras": extras,
            "readings": list(READINGS) if records else [],
            "stamp": self.stamp_text(stamp),
        }

    def logits(self, name, query):

        values = check_query(query, ("start", "stop", "max_records", "max_samples", "encoding"))
        encoding = values.get("encoding", "base64")
        if encoding not in ENCODINGS:
            raise ApiError(400, f"encoding: {encoding[:40]!r} is not one of {', '.join(ENCODINGS)}")
        limits = {k: _integer(k, values[k], lo, hi) if k in values else default
                  for k, (lo, hi, default) in LIMITS.items()}
        start = _integer("start", values.get("start", "0"), 0, MAX_INDEX, allow_last=True)
        stop = _integer("stop", values.get("stop", "-1"), 0, MAX_INDEX, allow_last=True)
        path, stamp, run = self.run(name)
        key = (str(path), stamp, start, stop, limits["max_records"], limits["max_samples"], encoding)
        cached = self.answers.get(key)
        if cached is not None:
            return cached
        with self.encoding:
            body = self._logits_answer(path, stamp, run, start, stop, limits, encoding)
        self.answers.put(key, body, len(body))
        return body

    def _logits_answer(self, path, stamp, run, start, stop, limits, encoding) -> bytes:
        from softmaxlab.core import evenly_spaced

        total, samples_total = run.num_records, run.num_samples
        if total == 0:
            records = np.zeros(0, np.int64)
        else:
            first = total - 1 if start == -1 else start
            last = total - 1 if stop == -1 else stop
            for label, value in (("start", first), ("stop", last)):
                if value >= total:
                    raise ApiError(400, f"{label}: {value} is past the last record {total - 1} "
                                        f"(the run has {total} records; -1 is the last)")
            if first > last:
                raise ApiError(400, f"start: {first} is after stop {last}")
            records = first + evenly_spaced(last - first + 1, limits["max_records"])
        samples = evenly_spaced(samples_total, limits["max_samples"])
        logits = self._kept(path, stamp, run, samples).take(records, axis=0)  # (r, s, k), little-endian float32
        inputs = None if run.inputs is None else np.ascontiguousarray(run.inputs[samples], dtype="<f4")
        dropped = []
        span = (total if total == 0 else last - first + 1)
        if len(records) < span:
            dropped.append(f"{len(records)} of {span} records")
        if len(samples) < samples_total:
            dropped.append(f"{len(samples)} of {samples_total} samples")

        def encode(array):
            if array is None:
                return None
            if encoding == "base64":
                return base64.b64encode(array.tobytes())  # bytes, spliced into the JSON below
            return _finite_or_none(array.ravel())

        document = {
            "name": path.name,
            "shape": list(logits.shape),
            "records": records.tolist(),
            "steps": run.steps[records].tolist(),
            "samples": samples.tolist(),
            "total_records": total,
            "total_samples": samples_total,
            "decimated": f"{', '.join(dropped)} (evenly spaced)" if dropped else "",
            "labels": run.labels[samples].tolist(),
            "loss": _finite_or_none(run.loss[records]),
            "accuracy": _finite_or_none(run.accuracy[records]),
            "input_dim": None if run.inputs is None else int(run.inputs.shape[1]),
            "complete": run.complete,
            "stamp": self.stamp_text(stamp),
            "logits": None,
            "inputs": None,
        }
        if encoding == "list":
            return dumps({**document, "logits": encode(logits), "inputs": encode(inputs)})
        if encoding == "binary":
            return binary_answer(document, logits, inputs)
        # base64 is plain ASCII: written into the JSON as is, not scanned again by the encoder
        head = dumps(document)
        assert head.endswith(b'"logits":null,"inputs":null}')
        parts = [head[:-len(b'null,"inputs":null}')], b'"', encode(logits), b'","inputs":']
        parts += [b"null}"] if inputs is None else [b'"', encode(inputs), b'"}']
        return b"".join(parts)

    def _kept(self, path, stamp, run, samples):
        """The run's logits at `samples`, every record: the run's own array when it keeps them all."""
        if len(samples) == run.num_samples and run.logits.dtype == np.dtype("<f4") and run.logits.flags.c_contiguous:
            return run.logits
        key = (str(path), stamp, len(samples))
        kept = self.kept.get(key)
        if kept is None:
            kept = np.ascontiguousarray(run.logits[:, samples], dtype="<f4")
            self.kept.put(key, kept, kept.nbytes)
        return kept

    def logits_type(self, query) -> str:
        """The Content-Type of a logits answer (binary, or JSON)."""
        binary = any(k == "encoding" and v == "binary" for k, v in query)
        return BINARY_TYPE if binary else "application/json"

    def figure(self, name, reading, query):
        """The figure's JSON text (bytes), from the cache when the run has not changed."""
        check_query(query, ())
        if reading not in READINGS:
            raise ApiError(404, f"no figure {reading[:40]!r} (figures: {', '.join(READINGS)})")
        path, stamp, run = self.run(name)
        if run.num_records == 0:
            raise ApiError(422, f"{reading}: run {path.name!r} has no records yet")
        key = (str(path), stamp, reading)
        cached = self.figures.get(key)
        if cached is not None:
            return cached

        def build():
            hit = self.figures.get(key)
            if hit is not None:
                return hit
            big = run.logits.nbytes > BIG_RUN_BYTES
            try:
                with self.gate.hold(self.gate.slots if big else 1):
                    text = make_figure(run, reading, path.name).to_json(remove_uids=False).encode()
            except ValueError as e:  # the reading cannot be made for this run
                raise ApiError(422, f"{reading}: {_scrub(str(e), self.root)}") from None
            finally:
                if big:
                    _trim_memory()  # hand the figure's temporaries (hundreds of MB) back to the system
            self.figures.drop(lambda k: k[0] == key[0] and k[2] == reading and k[1] != stamp)
            self.figures.put(key, text, len(text))
            return text

        return self._queued(lambda: self.flights.do(("figure",) + key, build))


# the readings over steps and neural collapse are values per record: over a longer run they are drawn at
# this many records, evenly spaced (exact there; a 1,000-record curve looks the same at 500 points). The data
# map and forgetting are statistics over every record and always read them all.
MAX_FIGURE_RECORDS = 500
PER_RECORD = ("readings", "neural-collapse")
# the data map draws one SVG dot per sample: 10,000 cost about 2 s of the browser's main thread here, so past
# this many it draws a random subset (its title says so; the regions' counts stay those of every sample)
MAX_MAP_SAMPLES = 2000


def fewer_records(run, limit):
    """`(run, note)`: the run at `limit` evenly spaced records (first and last kept) and what was left out."""
    from softmaxlab.core import evenly_spaced
    from softmaxlab.store import Run

    if run.num_records <= limit:
        return run, ""
    chosen = evenly_spaced(run.num_records, limit)
    fewer = Run(logits=run.logits[chosen], steps=run.steps[chosen], labels=run.labels, inputs=run.inputs,
                loss=run.loss[chosen], accuracy=run.accuracy[chosen],
                extras={k: v[chosen] for k, v in run.extras.items()}, config=run.config,
                description=run.description, complete=run.complete)
    return fewer, f"{len(chosen)} of {run.num_records} records (evenly spaced)"


def make_figure(run, reading, title):
    """The Plotly figure `reading` of `run` (the Python figure builders).

    A per-record reading of a run over `MAX_FIGURE_RECORDS` records is drawn at that many, and says so
    in `layout.meta["softmaxlab"]["decimated"]` and its title; the data map of a run over `MAX_MAP_SAMPLES`
    samples draws that many of them (its title says so).
    """
    from softmaxlab import figures
    from softmaxlab.figures import dynamics

    note = ""
    if reading in PER_RECORD:
        run, note = fewer_records(run, MAX_FIGURE_RECORDS)
    if reading == "readings":
        fig = figures.readings([run], titles=[title])
    elif reading == "data-map":
        fig = dynamics.data_map(run, max_samples=MAX_MAP_SAMPLES)
    elif reading == "reliability":
        fig = dynamics.reliability_figure(run)
    elif reading == "forgetting":
        fig = dynamics.forgetting_figure(run)
    else:
        fig = dynamics.neural_collapse_figure(run)
    if note:
        meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
        meta["softmaxlab"] = {**meta.get("softmaxlab", {}), "decimated": note}
        fig.update_layout(meta=meta)
        text = fig.layout.title.text
        if text:
            head, br, rest = text.partition("<br>")
            fig.update_layout(title_text=f"{head} · {note}{br}{rest}")
    return fig


def binary_answer(document, logits, inputs) -> bytes:
    """A logits answer as bytes (`encoding=binary`): no text encoding of the arrays on either side.

    The layout: a little-endian uint32 H, then H bytes of UTF-8 JSON (the document of the other encodings, with
    `"logits": null, "inputs": null`, padded with spaces so that 4 + H is a multiple of 4), then the logits as
    little-endian float32 (the product of `shape` numbers, C order), then the inputs as little-endian float32
    (`samples` x `input_dim` numbers) when the run has them. In the browser: `new Float32Array(buffer, 4 + H, n)`;
    in Python: `numpy.frombuffer(body, "<f4", n, 4 + H)`.
    """
    head = dumps(document)
    head += b" " * (-(4 + len(head)) % 4)
    parts = [len(head).to_bytes(4, "little"), head, logits.ravel().view(np.uint8)]  # C order, no copy
    if inputs is not None:
        parts.append(inputs.ravel().view(np.uint8))
    return b"".join(parts)


def read_binary_answer(body: bytes):
    """`(document, logits, inputs)` of a binary logits answer (`binary_answer`'s layout), as a script reads it."""
    size = int.from_bytes(body[:4], "little")
    document = json.loads(body[4:4 + size])
    count = math.prod(document["shape"])
    logits = np.frombuffer(body, "<f4", count, 4 + size).reshape(document["shape"])
    inputs = None
    if document.get("input_dim"):
        inputs = np.frombuffer(body, "<f4", len(document["samples"]) * document["input_dim"], 4 + size + 4 * count)
        inputs = inputs.reshape(len(document["samples"]), document["input_dim"])
    return document, logits, inputs


def dumps(document) -> bytes:
    return json.dumps(document, separators=(",", ":"), allow_nan=False).encode()
