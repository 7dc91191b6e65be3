"""evenly_spaced against a plain loop."""

import pytest

from softmaxlab.core import evenly_spaced


def test_evenly_spaced_indices_against_a_plain_loop():
    for count in range(0, 40):
        for limit in range(1, 12):
            got = evenly_spaced(count, limit).tolist()
            if count <= limit:
                expected = list(range(count))
            else:  # the i-th of `limit` points spread over [0, count - 1], rounded half to even
                expected = sorted({round(i * (count - 1) / (limit - 1)) if limit > 1 else 0 for i in range(limit)})
            assert got == expected, (count, limit)
            assert not got or (got[0] == 0 and (got[-1] == count - 1 or limit == 1))
    for bad in ((5, 0), (-1, 3), (5, 2.0), (True, 3)):
        with pytest.raises(ValueError, match="count|limit"):
            evenly_spaced(*bad)
