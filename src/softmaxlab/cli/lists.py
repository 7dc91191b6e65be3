"""Lists on the command line as users type them: ``--logits 2 1 0.1`` as well as ``--logits 2,1,0.1``.

A click option takes exactly one word, so ``--logits 2 1 0.1`` used to fail with "unexpected extra
arguments (1 0.1)". `ListCommand` joins the words that follow a list flag, up to the next option, with
commas before click parses them; the flag's own type then reads the list as before.
"""

import click


def _is_option(word: str) -> bool:
    """An option (``--out``, ``-o``), as opposed to a value that may be negative (``-1``, ``-inf``)."""
    if not word.startswith("-") or word == "-":
        return False
    try:
        float(word.split(",")[0].split(":")[0])
    except ValueError:
        return True
    return False


def join_list_values(args, list_flags) -> list[str]:
    """The words `args` with the values after each flag of `list_flags` joined by commas.

    >>> join_list_values(["--logits", "2", "1", "-0.5", "--out", "f.html"], {"--logits"})
    ['--logits', '2,1,-0.5', '--out', 'f.html']
    >>> join_list_values(["--entries", "0:1", "1:1", "--hidden", "64,", "64"], {"--entries", "--hidden"})
    ['--entries', '0:1,1:1', '--hidden', '64,64']
    """
    out, i = [], 0
    args = list(args)
    while i < len(args):
        word = args[i]
        out.append(word)
        i += 1
        if word in list_flags:
            values = []
            while i < len(args) and not _is_option(args[i]):
                values.append(args[i])
                i += 1
            if values:
                out.append(",".join(v.strip(",") for v in values if v.strip(",")) or values[0])
    return out


class ListCommand(click.Command):
    """A click command whose list flags (`list_flags`, e.g. ``{"--logits"}``) also take space-separated values."""

    list_flags: frozenset = frozenset()

    def parse_args(self, ctx, args):
        return super().parse_args(ctx, join_list_values(args, self.list_flags))


def experiment_list_flags() -> list[str]:
    """The flags of the `Experiment` fields that hold lists (``--hidden``, ``--frequencies``...)."""
    from softmaxlab.lab import Experiment

    return ["--" + s.name.replace("_", "-") for s in Experiment.field_specs() if s.many]
