"""Append blocks to a `RunWriter` on a worker thread, so the training loop never waits for the disk.

An append to a Zarr run rewrites a few chunk files and the group's metadata: tens of
milliseconds, which every `flush_seconds` would cost a few percent of training time
if the loop waited for it. Here the loop hands over a block already copied to host
memory and goes on; at most `max_pending` blocks wait, so memory stays bounded (a
slow disk slows the loop instead of filling memory). The worker is a daemon thread:
if the process dies, the store's commit order means a half-written block is never seen.
"""

import queue
import threading


class BackgroundAppender:
    """One worker thread calling `writer.append(steps, logits, extras=...)` for each submitted block.

    `committed` is the number of records on disk (readable by `load_run`). An error in
    the worker is raised again in the caller's thread by the next `submit`/`wait`/`close`;
    blocks after a failed one are not written (they would leave a gap in the steps).
    """

    def __init__(self, writer, *, max_pending=2):
        self.writer = writer
        self.committed = writer.records
        self._error = None
        self._queue = queue.Queue(maxsize=max_pending)
        self._thread = threading.Thread(target=self._work, name=f"softmaxlab-append {writer.path}", daemon=True)
        self._thread.start()

    def _work(self):
        while True:
            block = self._queue.get()
            try:
                if block is None:
                    return
                steps, logits, extras, metrics, done = block
                try:
                    if self._error is None:
                        self.committed = self.writer.append(steps, logits, extras=extras, **metrics)
                finally:
                    if done is not None:
                        done()  # the block's arrays are free again (the writer keeps no reference)
            except BaseException as e:  # handed to the training thread, which decides
                self._error = e
            finally:
                self._queue.task_done()

    def check(self):
        """Raise the worker's error, if an append failed."""
        if self._error is not None:
            raise self._error

    def submit(self, steps, logits, extras, *, done=None, **metrics):
        """Queue one block (host arrays the caller does not touch until `done`); blocks while the queue is full.

        `metrics`: `loss=`, `accuracy=` `(n,)` if already computed (else the writer computes them).
        `done`: called on the worker thread once the block's append has returned (written, failed or
        skipped after an earlier failure): from then on the caller may reuse the block's arrays.
        """
        self.check()
        self._queue.put((steps, logits, extras, metrics, done))

    def wait(self):
        """Return once every submitted block is on disk."""
        self._queue.join()
        self.check()

    def close(self):
        """Write what is queued, stop the worker, and raise its error if it had one."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self.check()
