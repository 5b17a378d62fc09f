"""Validity on stream tasks: oracle 100 % in the stream and alone, degenerate agents 0 where the
task needs more, over every stream id (follow-ups and tacit regularities included)."""

from __future__ import annotations

import pytest

from utility_gym.testing.stream_validity import stream_validity

STREAMS = (
    "utility/CustomerServiceStream-v2",
    "utility/TicketingStream-v2",
    "utility/WebShopStream-v2",
)


@pytest.mark.parametrize("stream_id", STREAMS)
def test_stream_validity__oracle_solves_and_degenerate_agents_fail(stream_id: str) -> None:
    report = stream_validity(stream_id, stream_seed=6, length=40)
    assert report.positions == 40
    regularities = [k for k in report.kinds if not k.startswith("follow-up/")]
    assert len(regularities) >= 3, report.kinds  # tacit regularities of three kinds or more
    assert any(k.startswith("follow-up/") for k in report.kinds), report.kinds
    assert not report.oracle_failures, report.oracle_failures[:5]
    assert not report.twin_failures, report.twin_failures[:5]
    assert report.degenerate_checked >= 100
    assert not report.degenerate_successes, report.degenerate_successes[:5]
