"""Stream structure: which task comes where, follow-ups of earlier episodes, and world events.

A stream (DESIGN.md, "Streams") is a seeded plan of positions. Each position names a task
template and a seed; some positions are *follow-ups* of an earlier position (a returning customer
who refers to that conversation, a colleague with the same problem), their earlier position an
*anchor*; and some positions start with a scheduled *world event* (a policy window shortened, a
knowledge-base procedure revised) after which old habits are wrong. Everything here is pure data
and seeded choice; ``UtilityEnv`` serves the plan.
"""

from __future__ import annotations

import functools
import random
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from utility_gym.core.tasks import TEST_SEED_BASE


@dataclass(frozen=True)
class WorldEvent:
    """Something that happens to the world between two episodes of a stream.

    ``apply`` changes the live database (deterministically, no RNG); ``policy_revision`` is
    appended to the policy every later episode shows, so an agent that reads the policy can know.
    """

    name: str
    description: str  # one line for info["stream"]["events"]
    policy_revision: str  # a policy section, Markdown, appended from this position on
    apply: Callable[[sqlite3.Connection], None]

    @classmethod
    def setting(
        cls, name: str, description: str, policy_revision: str, key: str, value: Any
    ) -> WorldEvent:
        """An event that sets the world's ``_meta`` rule ``key`` (which the tools and the task
        templates read with ``read_setting``) to ``value``."""
        return cls(
            name,
            description,
            policy_revision,
            functools.partial(write_setting, key=key, value=value),
        )


def read_setting(db: sqlite3.Connection, key: str, default: Any) -> Any:
    """A value of the world's ``_meta`` table (cast to the type of ``default``), or ``default``."""
    row = db.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else type(default)(row[0])


def write_setting(db: sqlite3.Connection, key: str, value: Any) -> None:
    db.execute("DELETE FROM _meta WHERE key = ?", (key,))
    db.execute("INSERT INTO _meta (key, value) VALUES (?, ?)", (key, str(value)))


def build_plan(
    domain: str,
    stream_seed: int,
    length: int,
    templates: Sequence[str],
    follow_ups: Sequence[tuple[str, str]] = (),
    events: Sequence[str] = (),
    regularities: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The positions of stream ``stream_seed``: ``{"template", "seed"}`` and, where they apply,
    ``"after"`` (a follow-up's anchor position), ``"anchor_for"`` (the follow-up template an
    anchor must allow) and ``"events"`` (world events at the start of that position).

    Templates recur (a few problems come back). Positions hit a tacit regularity
    (``regularities`` names one template per kind) at a rate the stream seed draws between 20 %
    and 40 %, each hit of a seeded kind; the instances recur because each world has few of each
    kind. Follow-ups of earlier positions (``follow_ups`` lists (follow-up template, anchor
    template) pairs, served in turn from a seeded first one) take one in eight to one in four of
    the other positions, as the stream seed draws. One world event falls in the middle third of a
    stream of four or more positions. So the number, kinds and positions of follow-ups and
    regularity hits vary from stream to stream.
    """
    rng = random.Random(f"{domain}/stream/{stream_seed}")
    names = list(templates)
    recurring = rng.sample(names, min(len(names), max(2, length // 3)))
    plan: list[dict[str, Any]] = [
        {"template": rng.choice(recurring), "seed": rng.randrange(TEST_SEED_BASE)}
        for _ in range(length)
    ]
    # Regularity hits first, each position alike (so they fall evenly over the stream), then
    # the follow-ups and their anchors among the other positions.
    hits: set[int] = set()
    if regularities:
        rate = rng.uniform(0.2, 0.4)
        for position in range(length):
            if rng.random() < rate:
                hits.add(position)
                plan[position] = {
                    "template": rng.choice(list(regularities)),
                    "seed": rng.randrange(TEST_SEED_BASE),
                }
    _plan_follow_ups(rng, plan, follow_ups, hits)
    if events and length >= 4:
        position = rng.randrange(max(1, length // 3), max(2, 2 * length // 3 + 1))
        plan[position]["events"] = [events[rng.randrange(len(events))]]
    return plan


def _plan_follow_ups(
    rng: random.Random,
    plan: list[dict[str, Any]],
    follow_ups: Sequence[tuple[str, str]],
    taken: set[int],
) -> set[int]:
    """Place a seeded number of follow-ups and their anchors in ``plan``, off the ``taken``
    positions; the positions used."""
    length = len(plan)
    used = set(taken)
    if not follow_ups or length < 3:
        return used
    kinds = list(follow_ups)
    rng.shuffle(kinds)  # every kind of follow-up in turn, from a seeded first one
    count = rng.randint(max(1, length // 8), max(1, length // 4))
    for k in range(count):
        follow_up, anchor = kinds[k % len(kinds)]
        # The follow-up's position is drawn uniformly over the positions that can have an
        # anchor two or more before them, then the anchor among those: follow-ups spread over
        # the stream instead of crowding its end (which would make success fall with position
        # for any agent that fails them).
        ends = [
            b
            for b in range(2, length)
            if b not in used and any(a not in used for a in range(b - 1))
        ]
        if not ends:
            break
        b = ends[rng.randrange(len(ends))]
        starts = [a for a in range(b - 1) if a not in used]
        a = starts[rng.randrange(len(starts))]
        used.update((a, b))
        plan[a] = {
            "template": anchor,
            "seed": rng.randrange(TEST_SEED_BASE),
            "anchor_for": follow_up,
        }
        plan[b] = {"template": follow_up, "seed": rng.randrange(TEST_SEED_BASE), "after": a}
    return used


def revised_policy(policy: str, revisions: Sequence[tuple[int, WorldEvent]]) -> str:
    """The policy as of now: the original text and, in order, every revision since."""
    if not revisions:
        return policy
    parts = [policy.rstrip("\n"), ""]
    for position, event in revisions:
        parts += [
            f"## Policy revision (in effect from stream position {position})",
            "",
            event.policy_revision.strip(),
            "",
        ]
    return "\n".join(parts)
