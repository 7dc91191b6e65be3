"""The on-disk layout of a run: names, the schema version and the one error type.

A run is a Zarr v3 group (a directory). Its group attributes hold the small things
and the commit counter; its arrays hold everything with a records axis::

    RUN/zarr.json            group attributes:
                               format          "softmaxlab.run"
                               schema_version  1 (2 for a distributed run: see `ranks`)
                               records         committed records (readers never look past it)
                               complete        True once the writer closed
                               num_classes, config, description, wall_time, extras (name -> shape, dtype)
    RUN/logits               (records, samples, classes) float32, chunked along records
    RUN/steps                (records,) int64
    RUN/loss, RUN/accuracy   (records,) float32
    RUN/labels               (samples,) int64
    RUN/inputs               (samples, d) float32, only when the run has inputs
    RUN/extras/NAME          (records, *shape) of the declared dtype

Every file is replaced atomically by Zarr's local store, and a writer bumps
`records` only after the arrays hold the whole block, so a reader that trusts
`records` sees every completed block and never half of one. While a writer is
open (or after it crashed) the records arrays may be longer than `records`: they
grow ahead of need, and rows past the count mean nothing. Chunks are uncompressed,
each with a CRC32C checksum.
"""

FORMAT = "softmaxlab.run"
# the newest schema this softmaxlab reads: 1 is the single-process layout above, 2 adds the
# distributed layout (see `softmaxlab.store.ranks` and docs/run-format.md). Single-process runs
# are still written as version 1, which every softmaxlab reads; distributed runs as version 2,
# which an older softmaxlab refuses with "newer than this softmaxlab reads".
SCHEMA_VERSION = 2
SINGLE_PROCESS_VERSION = 1
DISTRIBUTED_VERSION = 2
# the format of one rank's part of a distributed run (RUN/ranks/R): a run of its own samples,
# not listed as a run by itself
PART_FORMAT = "softmaxlab.run-part"

# arrays with a leading records axis, besides the extras
RECORD_ARRAYS = ("logits", "steps", "loss", "accuracy")

# aim for chunks of about this many bytes along the records axis: big enough that
# reading a long run is a few hundred files, small enough that an append of a
# handful of records rewrites little
TARGET_CHUNK_BYTES = 1 << 20


class RunStoreError(ValueError):
    """Something is wrong with a run on disk (or with what is being written to one).

    The message always names the path and the problem.

    >>> str(RunStoreError("runs/a", "not a softmaxlab run"))
    'runs/a: not a softmaxlab run'
    """

    def __init__(self, path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def records_per_chunk(bytes_per_record: int) -> int:
    """How many records one chunk along the records axis holds.

    >>> records_per_chunk(720)        # 60 samples x 3 classes x 4 bytes
    1456
    >>> records_per_chunk(120_000)    # 10,000 samples x 3 classes x 4 bytes
    8
    >>> records_per_chunk(10**9)      # never less than one record
    1
    """
    return max(1, TARGET_CHUNK_BYTES // max(1, int(bytes_per_record)))
