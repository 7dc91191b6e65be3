"""The logit paths, animated: Plotly frames for a page, and GIF/MP4 files for a slide.

In a page (`logit_paths(..., animate=True)`) the paths stay drawn and the frames move only the
diamonds, the logits at the current step, so each frame costs `samples x 3` numbers, not the paths
again. For a file, every frame is a still image of the same figure, rendered by Kaleido in one
headless Chromium (about a second per frame on a small machine, hence few frames by default)
and assembled by imageio: GIF through Pillow, MP4 (H.264) through ffmpeg.
"""

import io
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from softmaxlab.extras import require_extra

from . import paths
from .export import render_images

__all__ = ["export_animation", "animation_parts", "ANIMATION_SUFFIXES"]

ANIMATION_SUFFIXES = (".gif", ".mp4")
_FRAME_MS = 120  # per frame of the play button in a page


def animation_parts(runs, samples, matrices, step_traces, shown_steps) -> tuple[list[dict], dict]:
    """Frames moving the diamonds of a `logit_paths` figure, and the layout of its play button and slider.

    Args:
        runs: the figure's runs; `samples[i]` the drawn samples of run i and `matrices[i]` its `(K, 3)` projection.
        step_traces: indices of the diamond traces, one per run and class in that order.
        shown_steps: the training steps of the frames; each run shows its last record at or before.

    Returns:
        `(frames, layout)`: frame dicts for `go.Figure(frames=...)` and layout entries to add.
    """
    frames = []
    for value in shown_steps:
        data = []
        for run, drawn, matrix in zip(runs, samples, matrices):
            # a run shorter than the first shows its ends before and after its own steps
            record = run.record_of_step(min(max(int(value), int(run.steps[0])), int(run.steps[-1])))
            labels = run.labels[drawn]
            for c in range(run.num_classes):
                at = paths.at_record(run, record, drawn[labels == c], matrix)  # (n, 3)
                data.append(dict(type="scatter3d", x=at[:, 0], y=at[:, 1], z=at[:, 2],
                                 meta=f"step {run.steps[record]}"))
        frames.append(dict(name=str(value), data=data, traces=list(step_traces)))
    # 3D scenes only redraw with redraw=True; no transition, WebGL cannot tween markers
    play = dict(frame=dict(duration=_FRAME_MS, redraw=True), fromcurrent=True, transition=dict(duration=0))
    pause = dict(frame=dict(duration=0, redraw=False), mode="immediate", transition=dict(duration=0))
    jump = dict(frame=dict(duration=0, redraw=True), mode="immediate", transition=dict(duration=0))
    layout = dict(
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=0.0, xanchor="left", yanchor="top",
                          pad=dict(t=40, r=10), showactive=False,
                          buttons=[dict(label="▶ play", method="animate", args=[None, play]),
                                   dict(label="❚❚ pause", method="animate", args=[[None], pause])])],
        sliders=[dict(x=0.14, y=0.0, len=0.84, xanchor="left", yanchor="top", pad=dict(t=30),
                      currentvalue=dict(prefix="step ", visible=True),
                      steps=[dict(label=str(v), method="animate", args=[[str(v)], jump]) for v in shown_steps])],
        # the slider takes the space under the scenes; the legend goes below it
        height=680,
        margin=dict(l=60, r=30, t=90, b=190),
        legend=dict(x=0.0, y=-0.3, yanchor="top", orientation="h"),
    )
    return frames, layout


def export_animation(
    runs,
    path,
    *,
    frames: int = 40,
    fps: float = 8.0,
    width: int | None = None,
    height: int = 560,
    progress: bool = True,
    **options,
) -> Path:
    """Write the logit paths of `runs` as an animated `.gif` or `.mp4`: the diamonds travel along the paths.

    Each frame is `logit_paths(runs, step=s, **options)` at one of `frames` evenly spaced recorded
    steps s (always the first and the last), rendered to PNG by Kaleido, with the step in the title.

    Args:
        runs: a `Run` or a list of runs, as for `logit_paths`.
        path: the file to write; its suffix (`.gif` or `.mp4`) chooses the format.
        frames: at most this many frames (>= 2); every frame costs about a second to render.
        fps: frames per second of the file.
        width, height: frame size in pixels (rounded up to a multiple of 16, as H.264 wants);
            default width: 480 per scene.
        progress: show a tqdm progress bar while frames render.
        **options: passed to `logit_paths` (projection, classes, titles, max_samples, ...).

    Returns:
        The path written.

    Raises:
        ValueError: for another suffix, or options `logit_paths` refuses.
        softmaxlab.extras.MissingExtraError: for `.mp4` without imageio-ffmpeg (the `mp4` extra).
    """
    from tqdm.auto import tqdm

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise ValueError(f"cannot animate to {path.name!r}: the suffix must be .gif or .mp4")
    if suffix == ".mp4":
        require_extra("mp4", "MP4 export")  # before a frame is rendered
    for bad in ("step", "animate"):
        if bad in options:
            raise ValueError(f"export_animation sets {bad!r} itself; leave it out")
    frames = paths._options.integer(frames, name="frames", low=2)
    fps = paths._options.positive(fps, name="fps")
    runs = paths.as_runs(runs)
    base = paths.logit_paths(runs, step=int(runs[0].steps[0]), **options)
    meta = base.layout.meta["softmaxlab"]
    scenes = len([k for k in base.layout.to_plotly_json() if k.startswith("scene")])
    width = _multiple_of_16(width if width is not None else 480 * scenes)
    height = _multiple_of_16(height)
    shown_steps = runs[0].steps[paths.evenly_spaced(runs[0].num_records, frames)]
    matrices = [np.asarray(m["matrix"]) for m in meta["runs"]]
    drawn = [np.asarray(m["samples"], dtype=np.int64) for m in meta["runs"]]
    title = base.layout.title.text

    def still(value):
        fig = go.Figure(base)  # a copy: every frame is the same figure with the diamonds moved
        for i, (run, matrix, samples) in enumerate(zip(runs, matrices, drawn)):
            # a run shorter than the first shows its ends before and after its own steps
            record = run.record_of_step(min(max(int(value), int(run.steps[0])), int(run.steps[-1])))
            labels = run.labels[samples]
            for c in range(run.num_classes):
                at = paths.at_record(run, record, samples[labels == c], matrix)
                fig.update_traces(dict(x=at[:, 0], y=at[:, 1], z=at[:, 2]), selector=dict(uid=f"step-{i}-{c}"))
        fig.update_layout(title_text=title.replace(f"◆ step {runs[0].steps[0]}", f"◆ step {value}", 1),
                          width=width, height=height)
        return fig

    with tqdm(total=len(shown_steps), desc=f"frames of {path.name}", unit="frame", disable=not progress) as bar:
        images = render_images((still(v) for v in shown_steps), format="png", width=width, height=height,
                               tabs=2, progress=bar.update)
    _write_video(path, images, fps=fps)
    return path


def _multiple_of_16(n) -> int:
    n = paths._options.integer(n, name="width/height", low=16, high=8192)
    return -(-n // 16) * 16


def _write_video(path: Path, images, *, fps: float) -> None:
    """PNG bytes -> an animated GIF (looping, Pillow) or an H.264 MP4 (ffmpeg)."""
    import imageio.v3 as iio

    pixels = [iio.imread(io.BytesIO(data))[..., :3] for data in images]  # (height, width, 3) each, RGB
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".gif":
        iio.imwrite(path, np.stack(pixels), extension=".gif", duration=1000.0 / fps, loop=0)
        return
    _encode_mp4(path, pixels, fps=fps)


def encoder_command(path: Path, *, width: int, height: int, fps: float) -> list[str]:
    """The ffmpeg command that reads raw RGB frames on stdin and writes an H.264 MP4 at `path`.

    CRF 10 is imageio's ``quality=8``; yuv420p is what every player decodes.

    >>> encoder_command(Path("a.mp4"), width=320, height=160, fps=8)[-6:]
    ['-crf', '10', '-pix_fmt', 'yuv420p', '-an', 'a.mp4']
    """
    require_extra("mp4", "MP4 export")
    import imageio_ffmpeg

    rate = str(Fraction(fps).limit_denominator())
    return [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{width}x{height}", "-r", rate, "-i", "-", "-vcodec", "libx264", "-crf", "10",
            "-pix_fmt", "yuv420p", "-an", str(path)]


def _encode_mp4(path: Path, pixels, *, fps: float) -> None:
    """Pipe the frames through ffmpeg.

    imageio's writer starts ffmpeg with ``preexec_fn=os.setpgrp``, which makes Python fork and run its
    at-fork handlers, and JAX's handler warns of a deadlock in a process whose JAX threads run (they do
    after training). ``process_group=0`` does the same (ffmpeg in its own process group, so Ctrl+C
    reaches only us and we stop it cleanly) inside the C spawn code: no Python fork, no handlers.
    """
    height, width = pixels[0].shape[:2]
    encoder = subprocess.Popen(encoder_command(path, width=width, height=height, fps=fps), stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, process_group=0)
    try:
        for frame in pixels:
            encoder.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
        encoder.stdin.close()
        errors = encoder.stderr.read().decode(errors="replace").strip()
        if encoder.wait() != 0:
            raise RuntimeError(f"ffmpeg could not write {path}: {errors.splitlines()[-1] if errors else 'no message'}")
    finally:
        if encoder.poll() is None:
            encoder.kill()
            encoder.wait()
