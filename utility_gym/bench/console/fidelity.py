"""``utility-bench fidelity``: how far the simulated user (AgendaUser) is from people.

For every session in which a person played the user, the episode is replayed with the person's
turns (as ``verify`` does) while an AgendaUser with the same goal and the same seed hears the same
agent turns and answers in parallel, unseen. Each person turn is compared with the simulated
user's answer to the same agent turn, on the same features, read the same way from both:

- ``facts``: the goal's known values the turn states (Jaccard overlap of the two sets);
- ``unasked facts``: a turn that states a known value the agent did not ask for;
- ``affirm`` / ``deny``: yes / no (a person's from their words, the simulated user's acts);
- ``correct``: a no that names the value wanted instead;
- ``refuse``: the agent asked for something the user knows and the turn gives none of it;
- ``leave``: the turn ends the conversation (the comparison stops at the first leave of either).

Per feature: the rate among people's turns and among the simulated user's, their difference,
and how often the two agree turn by turn; *overall* is the mean agreement over the act features.
**Outcome agreement**: the AgendaUser alone is fed the same agent actions (a fresh episode; the
agent's ``end_conversation`` is added if the actions run out first) and graded; it agrees when
its success equals the person's. 95% intervals are percentile bootstrap over sessions (the
session is the unit: its turns are not independent), NumPy generator seeded with 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from utility_gym.bench.console.people import ReplayUser, read_acts, replies
from utility_gym.bench.rules import HUMAN_USER

ACTS = ("unasked facts", "affirm", "deny", "correct", "refuse", "leave")
FEATURES = ("facts", *ACTS)


@dataclass(frozen=True)
class TurnFeatures:
    facts: frozenset[str]
    unasked: bool
    affirm: bool
    deny: bool
    correct: bool
    refuse: bool
    leave: bool

    def flag(self, name: str) -> bool:
        return bool(getattr(self, "unasked" if name == "unasked facts" else name))


@dataclass
class SessionComparison:
    """One session's turn pairs (person, simulated user) and outcomes."""

    where: str
    pairs: list[tuple[TurnFeatures, TurnFeatures]] = field(default_factory=list)
    person_success: bool = False
    sim_success: bool = False


@dataclass(frozen=True)
class FeatureRow:
    name: str
    person_rate: float
    sim_rate: float
    difference: float
    difference_ci: tuple[float, float]
    agreement: float
    agreement_ci: tuple[float, float]

    @property
    def differs(self) -> bool:
        """The interval of the difference leaves out zero."""
        low, high = self.difference_ci
        return low > 0 or high < 0


@dataclass(frozen=True)
class FidelityReport:
    sessions: int
    turns: int
    features: tuple[FeatureRow, ...]
    overall: float
    overall_ci: tuple[float, float]
    outcome_agreement: float
    outcome_ci: tuple[float, float]
    person_success: float
    sim_success: float
    skipped: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        doc = asdict(self)
        for row, feature in zip(doc["features"], self.features, strict=True):
            row["differs"] = feature.differs
        return doc


# -- reading a turn ------------------------------------------------------------------------------
def _norm(text: str) -> str:
    text = re.sub(r"[.,!?;:]+(?=\s|$)", " ", text.lower())  # sentence ends, not an email's dots
    return " ".join(re.sub(r"[^\w@.$-]+", " ", text).split())


def features(text: str, acts: Sequence[str], done: bool, reading: Any, goal: Any) -> TurnFeatures:
    """The comparison features of one user turn (see the module docstring)."""
    said = f" {_norm(text)} "
    facts = frozenset(
        slot for slot, value in goal.known.items() if f" {_norm(str(value))} " in said
    )
    asked = set(reading.slots()) if reading is not None else set()
    wanted = [v.spoken for i in goal.intents for v in i.wants] + list(goal.known.values())
    deny = "deny" in acts or "deny_change" in acts
    names_value = bool(facts) or any(f" {_norm(str(w))} " in said for w in wanted if w)
    withheld = bool(asked & set(goal.known)) and not (facts & asked)
    return TurnFeatures(
        facts,
        bool(facts - asked),
        "affirm" in acts,
        deny,
        deny and names_value,
        "refuse" in acts or (withheld and "inform" not in acts and not facts),
        done,
    )


# -- one session ---------------------------------------------------------------------------------
def compare_session(
    make_kwargs: dict[str, Any], record: dict[str, Any], where: str
) -> SessionComparison:
    """Replay a person's session beside the AgendaUser, turn by turn, then the AgendaUser alone."""
    env = gym.make(record["env_id"], **make_kwargs)
    out = SessionComparison(where, person_success=bool(record["success"]))
    try:
        base = env.unwrapped
        shadow = base.user  # the AgendaUser the env made, with its words
        person = ReplayUser(replies(record["person"].get("turns", [])), shadow=shadow)
        base.user = person
        env.reset(seed=record["seed"], options={"task_id": record["task_id"]})
        goal = base.task.goal
        for step in record["steps"][1:]:
            _, _, terminated, truncated, _ = env.step(step["action"])
            if terminated or truncated:
                break
        out.pairs = _pairs(person, goal)
        base.user = shadow
        out.sim_success = simulated_success(env, record)
    finally:
        env.close()
    return out


def _pairs(person: ReplayUser, goal: Any) -> list[tuple[TurnFeatures, TurnFeatures]]:
    pairs = []
    opening = person.turns[0].text if person.turns else ""
    sim_opening = goal.opening or goal.intents[0].request
    no_acts: tuple[str, ...] = ()
    pairs.append(
        (
            features(opening, no_acts, False, None, goal),
            features(sim_opening, no_acts, False, None, goal),
        )
    )
    for reply, sim, reading in zip(
        person.turns[1:], person.shadow_turns, person.readings, strict=False
    ):
        if sim is None:
            break  # the simulated user had left already
        mine = features(reply.text, read_acts(reply.text, reading), reply.leave, reading, goal)
        theirs = features(sim.text, sim.acts, sim.done, reading, goal)
        pairs.append((mine, theirs))
        if reply.leave or sim.done:
            break
    return pairs


def simulated_success(env: gym.Env, record: dict[str, Any]) -> bool:
    """Whether the AgendaUser alone, fed the session's agent actions, reaches a graded success."""
    env.reset(seed=record["seed"], options={"task_id": record["task_id"]})
    actions = [step["action"] for step in record["steps"][1:]]
    if "end_conversation" in env.unwrapped.toolbox.tools:
        actions.append({"name": "end_conversation", "arguments": {}})
    info: dict[str, Any] = {}
    for action in actions:
        _, _, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return bool((info.get("grade") or {}).get("success"))
    return False


# -- the report ----------------------------------------------------------------------------------
def person_sessions(paths: Sequence[Path]) -> list[tuple[dict[str, Any], dict[str, Any], str]]:
    """(make kwargs, trajectory line, where) of every be-the-user session in the run folders."""
    from utility_gym.bench.runner import read_trajectories
    from utility_gym.bench.verify import run_directories

    found = []
    for folder in run_directories(paths):
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        if results["agent"].get("kind") != HUMAN_USER:
            continue
        for number, record in enumerate(read_trajectories(folder), start=1):
            if (record.get("person") or {}).get("side") == "user":
                kwargs = results["envs"][record["env_id"]]["make_kwargs"]
                found.append((kwargs, record, f"{folder} line {number}"))
    return found


def fidelity_report(paths: Sequence[Path], resamples: int = 1000, seed: int = 0) -> FidelityReport:
    """The fidelity report over every be-the-user session in ``paths`` (ValueError if none)."""
    from utility_gym.bench.files import RunFileError

    try:
        sessions = person_sessions(paths)
    except RunFileError as e:
        raise ValueError(str(e)) from None
    if not sessions:
        raise ValueError("no session of a person playing the user in " + ", ".join(map(str, paths)))
    compared = [compare_session(kwargs, record, where) for kwargs, record, where in sessions]
    return summarize(compared, resamples, seed)


def summarize(
    compared: Sequence[SessionComparison], resamples: int = 1000, seed: int = 0
) -> FidelityReport:
    """Rates, differences and agreements with session-bootstrap intervals."""
    n = len(compared)
    # per session: turns, then for each feature (person sum, sim sum, agreement sum)
    table = np.zeros((n, 1 + 3 * len(FEATURES)))
    for i, session in enumerate(compared):
        table[i, 0] = len(session.pairs)
        for j, name in enumerate(FEATURES):
            for mine, theirs in session.pairs:
                if name == "facts":
                    a, b = float(bool(mine.facts)), float(bool(theirs.facts))
                    union = mine.facts | theirs.facts
                    agree = len(mine.facts & theirs.facts) / len(union) if union else 1.0
                else:
                    a, b = float(mine.flag(name)), float(theirs.flag(name))
                    agree = float(a == b)
                table[i, 1 + 3 * j : 4 + 3 * j] += (a, b, agree)
    outcomes = np.array([float(s.person_success == s.sim_success) for s in compared])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n, (resamples, n))
    sums, boot = table.sum(axis=0), table[picks].sum(axis=1)
    turns, boot_turns = max(sums[0], 1.0), np.maximum(boot[:, 0], 1.0)
    rows = []
    for j, name in enumerate(FEATURES):
        p, s, agree = (sums[1 + 3 * j + k] / turns for k in range(3))
        diff = (boot[:, 1 + 3 * j] - boot[:, 2 + 3 * j]) / boot_turns
        agreement = boot[:, 3 + 3 * j] / boot_turns
        rows.append(FeatureRow(name, p, s, p - s, _ci(diff), agree, _ci(agreement)))
    act_columns = [3 + 3 * j for j, name in enumerate(FEATURES) if name in ACTS]
    overall = float(np.mean([sums[c] / turns for c in act_columns]))
    overall_boot = np.mean([boot[:, c] / boot_turns for c in act_columns], axis=0)
    return FidelityReport(
        n,
        int(sums[0]),
        tuple(rows),
        overall,
        _ci(overall_boot),
        float(outcomes.mean()),
        _ci(outcomes[picks].mean(axis=1)),
        float(np.mean([s.person_success for s in compared])),
        float(np.mean([s.sim_success for s in compared])),
    )


def _ci(values: np.ndarray) -> tuple[float, float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def render_report(report: FidelityReport) -> str:
    """The report as a table, for the terminal (and docs)."""
    lines = [
        f"fidelity of the simulated user: {report.sessions} sessions, "
        f"{report.turns} compared turns",
        "",
        f"{'feature':<14} {'people':>7} {'sim':>7} {'diff':>7} {'95% CI':>17} "
        f"{'agree':>7} {'95% CI':>15}",
    ]
    for r in report.features:
        flag = "  differs" if r.differs else ""
        lines.append(
            f"{r.name:<14} {r.person_rate:>7.2f} {r.sim_rate:>7.2f} {r.difference:>+7.2f} "
            f"{_fmt(r.difference_ci, signed=True):>17} {r.agreement:>7.2f} "
            f"{_fmt(r.agreement_ci):>15}{flag}"
        )
    lines += [
        "",
        f"overall turn agreement (acts): {report.overall:.2f} {_fmt(report.overall_ci)}",
        f"outcome agreement: {report.outcome_agreement:.2f} {_fmt(report.outcome_ci)} "
        f"(success with people {report.person_success:.2f}, "
        f"simulated user {report.sim_success:.2f})",
    ]
    return "\n".join(lines)


def _fmt(ci: tuple[float, float], signed: bool = False) -> str:
    spec = "+.2f" if signed else ".2f"
    return f"[{ci[0]:{spec}}, {ci[1]:{spec}}]"
