"""Grading: compare change sets, told facts and transcript rules; success, partial credit,
reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from utility_gym.core.tasks import Task

ChangeFact = tuple[str, str, str, Any]


class CheckKind(StrEnum):
    """What a checkpoint checks. The shaped reward counts the milestones among them (a write
    made, a fact told, a refusal, a question asked); the rest are rules kept."""

    WRITE = "write"  # a required change was made
    NO_OTHER_WRITES = "no_other_writes"
    CONFIRMED = "confirmed"  # writes only after the user's explicit confirmation
    VERIFIED = "verified"  # account details only after verification
    TOLD = "told"  # a required fact was told
    REFUSED = "refused"  # a request against policy was refused with its reason
    ASKED = "asked"  # the agent asked which one the user meant
    DOMAIN = "domain"  # a domain's own check (the web shop's purchase)


@dataclass(frozen=True)
class Checkpoint:
    name: str
    passed: bool
    kind: CheckKind = CheckKind.DOMAIN


@dataclass(frozen=True)
class Grade:
    """The verdict on an episode. ``partial = 0.5 * checkpoint fraction + 0.5 * success``."""

    success: bool
    partial: float
    checkpoints: tuple[Checkpoint, ...]
    reasons: tuple[str, ...]
    # how the episode ended: "satisfied", "gave_up", "agent_ended", "transferred", "truncated"
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "partial": self.partial,
            "outcome": self.outcome,
            "checkpoints": [{"name": c.name, "passed": c.passed} for c in self.checkpoints],
            "reasons": list(self.reasons),
        }


def describe_change(fact: ChangeFact) -> str:
    table, pk, column, value = fact
    if column == "<deleted>":
        return f"{table} row {pk} deleted"
    return f"{table}.{column}={value} for #{pk}"


@dataclass
class EpisodeRecord:
    """What the environment observed during an episode, as the grader needs it."""

    told_facts: set[int]  # indices into task.required_facts told so far
    refused_intents: set[int]
    asked_slots: set[str]
    unconfirmed_writes: list[str]  # descriptions of write calls made without a confirmation
    outcome: str = "running"
    unverified_disclosures: list[str] = field(
        default_factory=list
    )  # facts told before verification
    unearned_refusals: list[str] = field(
        default_factory=list
    )  # refusals before the policy's prerequisites or without a reason


class _Checks:
    """Checkpoints as they are added, with the reason of each failed one."""

    def __init__(self) -> None:
        self.checks: list[Checkpoint] = []
        self.reasons: list[str] = []

    def add(self, kind: CheckKind, name: str, passed: bool, reason: str) -> None:
        self.checks.append(Checkpoint(name, passed, kind))
        if not passed:
            self.reasons.append(reason)


def checkpoints_for(
    task: Task,
    expected: frozenset[ChangeFact],
    actual: frozenset[ChangeFact],
    record: EpisodeRecord,
    ignored_columns: frozenset[tuple[str, str]] = frozenset(),
) -> tuple[list[Checkpoint], list[str]]:
    """Every checkpoint of the task and the reasons for each failed one."""
    out = _Checks()
    actual = frozenset(f for f in actual if (f[0], f[2]) not in ignored_columns)
    expected = frozenset(f for f in expected if (f[0], f[2]) not in ignored_columns)
    _write_checks(out, expected, actual, record)
    _conversation_checks(out, task, record)
    return out.checks, out.reasons


def _write_checks(
    out: _Checks,
    expected: frozenset[ChangeFact],
    actual: frozenset[ChangeFact],
    record: EpisodeRecord,
) -> None:
    """Every required write made, no other write, each confirmed."""
    add = out.add
    for fact in sorted(expected, key=repr):
        add(
            CheckKind.WRITE,
            f"write {describe_change(fact)}",
            fact in actual,
            f"required write missing: {describe_change(fact)}",
        )
    extra = sorted(actual - expected, key=repr)
    if expected:
        add(
            CheckKind.NO_OTHER_WRITES,
            "no other writes",
            not extra,
            "unexpected write: " + "; ".join(describe_change(f) for f in extra[:5]),
        )
    else:
        add(
            CheckKind.NO_OTHER_WRITES,
            "no writes (this task needs none)",
            not extra,
            "this task expects no write, but the agent wrote: "
            + "; ".join(describe_change(f) for f in extra[:5]),
        )
    if expected or record.unconfirmed_writes:
        add(
            CheckKind.CONFIRMED,
            "explicit confirmation before every write",
            not record.unconfirmed_writes,
            "wrote without the user's explicit confirmation: "
            + "; ".join(record.unconfirmed_writes[:5]),
        )


def _conversation_checks(out: _Checks, task: Task, record: EpisodeRecord) -> None:
    """Facts told after verification, refusals earned, ambiguous requests asked about."""
    add = out.add
    if task.required_facts or record.unverified_disclosures:
        add(
            CheckKind.VERIFIED,
            "account details shared only after verification",
            not record.unverified_disclosures,
            "shared account details before verifying the user's identity: "
            + "; ".join(record.unverified_disclosures[:5]),
        )
    for i, fact in enumerate(task.required_facts):
        add(
            CheckKind.TOLD,
            f"told {fact.describe()}",
            i in record.told_facts,
            f"required fact not told to the user: {fact.describe()}",
        )
    for i, intent in enumerate(task.goal.intents):
        if intent.outcome == "refuse":
            why = f" (the agent {record.unearned_refusals[-1]})" if record.unearned_refusals else ""
            add(
                CheckKind.REFUSED,
                f"refused {intent.name}",
                i in record.refused_intents,
                f"the request '{intent.name}' is against policy and had to be refused and "
                f"explained, after the checks the policy requires{why}",
            )
    for slot in task.ask_required:
        options = slot.split("|")
        add(
            CheckKind.ASKED,
            f"asked for {' or '.join(options)}",
            any(o in record.asked_slots for o in options),
            f"did not ask the user which {' or '.join(options)} they meant (the request was "
            "ambiguous)",
        )


def grade(
    task: Task,
    expected: frozenset[ChangeFact],
    actual: frozenset[ChangeFact],
    record: EpisodeRecord,
    ignored_columns: frozenset[tuple[str, str]] = frozenset(),
) -> Grade:
    checks, reasons = checkpoints_for(task, expected, actual, record, ignored_columns)
    success = not reasons
    frac = sum(c.passed for c in checks) / len(checks) if checks else 1.0
    return Grade(
        success, round(0.5 * frac + 0.5 * success, 6), tuple(checks), tuple(reasons), record.outcome
    )
