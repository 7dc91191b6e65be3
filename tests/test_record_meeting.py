"""The ranks' meeting at construction (`record.distributed.Meeting`), in one process on a real torch store.

The processes themselves are in tests/test_record_distributed.py; here each `Meeting` plays one rank
over one `torch.distributed.HashStore`, to check what a waiting rank does when another posts an
error, posts nothing, or posts its facts.
"""

import threading

import pytest
import torch

from softmaxlab.record import distributed


def meetings(world, **options):
    """One `Meeting` per rank of one recorder, over one store."""
    store = torch.distributed.HashStore()
    return [distributed.Meeting(rank, world, store, **options) for rank in range(world)]


def test_every_rank_gets_every_post_in_rank_order():
    ranks = meetings(3)
    for meeting in reversed(ranks):
        meeting.post("facts", {"every": 10, "rank": meeting.rank})
    for meeting in ranks:
        assert meeting.collect("facts", range(3)) == {r: {"every": 10, "rank": r} for r in range(3)}


def test_a_rank_that_failed_stops_the_waiting_ones_naming_it_and_its_reason():
    zero, one, two = meetings(3)
    two.post("facts", {})
    with pytest.raises(KeyError) as raised, distributed.told(one):
        raise KeyError("probe")  # rank 1's constructor raises: its error goes up, and to the others
    assert raised.value.args == ("probe",)
    with pytest.raises(ValueError, match=r"^rank 1 could not make its LogitRecorder \(KeyError: 'probe'\), "
                                         r"so rank 0 stops too$"):
        zero.collect("facts", range(3))  # no timeout: AGREE_SECONDS is 300 s


def test_a_rank_that_posts_nothing_is_waited_for_with_a_warning_then_an_error(monkeypatch):
    monkeypatch.setattr(distributed, "WARN_SECONDS", 0.0)
    zero, _ = meetings(2, timeout=0.5)
    zero.post("facts", {})
    with pytest.warns(UserWarning, match=r"rank 0 has waited 0 s for rank\(s\) \[1\] to make their LogitRecorder"), \
            pytest.raises(ValueError, match=r"rank 0 waited 0 s for rank\(s\) \[1\] to make their LogitRecorder"):
        zero.collect("facts", range(2))


def test_a_late_rank_is_waited_for():
    zero, one = meetings(2)
    zero.post("facts", "zero's")
    late = threading.Timer(0.2, one.post, ("facts", "one's"))
    late.start()
    try:
        assert zero.collect("facts", range(2)) == {0: "zero's", 1: "one's"}
    finally:
        late.join()


def test_two_recorders_made_one_after_another_meet_apart_in_the_process_groups_store(tmp_path):
    torch.distributed.init_process_group("gloo", init_method=f"file://{tmp_path}/pg", rank=0, world_size=1)
    try:
        first, second = distributed.Meeting.of_recorder(0, 2), distributed.Meeting.of_recorder(0, 2)
        distributed.Meeting(1, 2, first.store).fail(ValueError("bad"))  # rank 1's first recorder failed
        distributed.Meeting(1, 2, second.store).post("facts", "fine")  # and its second did not
        second.post("facts", "fine")
        assert second.collect("facts", range(2)) == {0: "fine", 1: "fine"}
        with pytest.raises(ValueError, match=r"^rank 1 could not make its LogitRecorder \(ValueError: bad\)"):
            first.collect("facts", range(2))
    finally:
        torch.distributed.destroy_process_group()
