"""`softmaxlab softmax`: print the softmax of some logits as a table. Parses, calls core, prints."""

import math

import click
import numpy as np

from softmaxlab.core import entropy, log_softmax, softmax
from softmaxlab.core.sampling import filter_logits
from softmaxlab.spec import Control


def _options() -> list[str]:
    ctx = click.get_current_context(silent=True)
    return [] if ctx is None else [o for p in ctx.command.params for o in (*p.opts, *p.secondary_opts)]


# one logit as the state spec checks it: a finite number or -inf (a masked class), nothing else
_LOGIT = Control("LOGITS", "float", None, masked=True)


def _parse_logits(words) -> np.ndarray:
    """The LOGITS arguments as float64: spaces or commas between them (``2 1 0.1`` or ``2,1,0.1``);
    -inf is allowed (probability 0), NaN and +inf are not."""
    words = [piece.strip() for word in words for piece in word.split(",") if piece.strip()]
    if not words:
        raise click.UsageError("give at least one logit, e.g. `softmaxlab softmax 2 1 0.1`")
    values = []
    for word in words:
        try:
            values.append(_LOGIT.coerce(word))
        except ValueError as e:
            reason = str(e).removeprefix("LOGITS: ")
            if word.startswith("-") and "finite" not in reason:
                # an option click let through because logits may be negative
                from softmaxlab.cli import did_you_mean

                name = word.split("=", 1)[0]
                raise click.UsageError(f"no such option {name}{did_you_mean(name, _options())}") from None
            if "finite" in reason:
                reason = f"{word!r}: logits must be finite numbers or -inf"
            raise click.BadParameter(reason, param_hint="LOGITS") from None
    return np.array(values)  # (K,)


def _exp_text(x: float, digits: int) -> str:
    """exp(x) as text, also where it overflows a float: e.g. exp(2000) -> '3.88e+868'."""
    if x == -math.inf:
        return "0"
    if x < 700:
        return f"{math.exp(x):.{digits}g}"
    exponent10 = x / math.log(10)  # exp(x) = 10^exponent10 = mantissa * 10^whole
    whole = math.floor(exponent10)
    return f"{10 ** (exponent10 - whole):.{max(digits - 1, 0)}f}e+{whole}"


def _table(rows, headers) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.rjust(w) for c, w in zip(cells, widths))  # noqa: E731
    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _entropy_line(label: str, p: np.ndarray, digits: int) -> str:
    """The entropy, and the number of equally likely classes that would be as uncertain: exp(H in nats)."""
    nats, bits = float(entropy(p)), float(entropy(p, base=2))
    choices = f"{math.exp(nats):.{digits}g}"
    meaning = "no uncertainty: one class takes it all" if choices == "1" else \
        f"as uncertain as {choices} equally likely classes"
    return f"{label}: {nats:.{digits}f} nats = {bits:.{digits}f} bits ({meaning})"


@click.command(
    "softmax",
    context_settings={"ignore_unknown_options": True, "help_option_names": ["-h", "--help"]},
)
@click.argument("logits", nargs=-1, type=click.UNPROCESSED)
@click.option("-t", "--temperature", type=float, default=1.0, show_default=True,
              help="Divide the logits by T > 0: high T flattens toward uniform, low T sharpens toward the argmax.")
@click.option("--top-k", type=click.IntRange(min=1), default=None, metavar="K", help="Also show sampling probabilities keeping only the k largest logits.")
@click.option("--top-p", type=click.FloatRange(0, 1, min_open=True), default=None, metavar="P",
              help="Also show sampling probabilities keeping the most probable classes until their mass reaches p (nucleus).")
@click.option("--min-p", type=click.FloatRange(0, 1), default=None, metavar="M",
              help="Also show sampling probabilities keeping classes with p_i >= min_p * max p.")
@click.option("--digits", type=click.IntRange(1, 15), default=4, show_default=True, help="Decimals of probabilities and entropies; significant digits of the rest.")
def softmax_command(logits, temperature, top_k, top_p, min_p, digits):
    """Print softmax(LOGITS / T) as a table: each logit, exp(z/T) and its probability.

    Below the table: the entropy in nats and bits, and the log-sum-exp log(sum exp(z/T)),
    the normaliser: p_i = exp(z_i/T - logsumexp). Negative logits work as they are
    (`softmaxlab softmax -1 2`), or after `--`; commas work too (2,1,0.1). A logit of -inf gets
    probability 0.

    \b
    Example:
      softmaxlab softmax 2 1 0.1 --temperature 0.5
      softmaxlab softmax 3 2 1 0 --top-k 2
    """
    z = _parse_logits(logits)
    filtering = any(option is not None for option in (top_k, top_p, min_p))
    try:
        log_p = log_softmax(z, temperature=temperature)
        p = softmax(z, temperature=temperature)
        kept = softmax(filter_logits(z, temperature=temperature, top_k=top_k, top_p=top_p, min_p=min_p)) if filtering else None
    except ValueError as e:  # core names the problem (temperature, top-k, ...): a usage error here
        raise click.UsageError(str(e)) from None
    with np.errstate(over="ignore"):  # z/T may be beyond float range; it is printed as inf then
        scaled = z / temperature  # (K,)
    best = int(np.argmax(z))
    lse = float(scaled[best] - log_p[best])  # log sum exp(z/T) = z_i/T - log p_i, for any i with p_i > 0

    headers = ["class", "logit", "exp(z/T)", "probability"] + (["filtered"] if filtering else [])
    rows = []
    for i in range(len(z)):
        row = [str(i), f"{z[i]:.{digits}g}", _exp_text(float(scaled[i]), digits), f"{p[i]:.{digits}f}"]
        if filtering:
            row.append(f"{kept[i]:.{digits}f}")
        rows.append(row)
    lines = [f"softmax with temperature T = {temperature:g}", "", *_table(rows, headers), ""]
    lines.append(_entropy_line("entropy", p, digits))
    if filtering:
        lines.append(_entropy_line("entropy after filtering", kept, digits))
    lines.append(f"log-sum-exp: log sum exp(z/T) = {lse:.{digits}g}")
    click.echo("\n".join(lines))
