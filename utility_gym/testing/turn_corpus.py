"""Scores the simulated user on a labelled corpus of agent turns, each played in a real episode.

Every line of a corpus file (JSON lines) is one agent turn, written for one task of a test
split, with the reaction a reasonable customer would have:

    {"id": ..., "task_id": "customer_service/return_item/1000000002", "class":
    "proposal_wrong_value",
     "text": "<the agent's first reply>",
     "expect": {"gives": ["email"], "verdict": null | "accept" | "reject" | "ask" | "accept_or_ask",
                "right_value": "<named when rejecting>", "pick": "<chosen alternative>", "refusal":
                false}}

`judge_turn` resets the task's env, sends the turn as the agent's first reply and checks the
user's answer: every fact asked for is given (its value appears in the reply), a proposal is
accepted or rejected as labelled (a rejection names the right value), a bare "shall I go
ahead?" is not taken as a yes, a choice question gets the labelled alternative, a refusal is
heard as one, and nobody hangs up on a turn that is not a refusal.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym

ENV_OF_DOMAIN = {
    "customer_service": "utility/CustomerService-v1",
    "ticketing": "utility/Ticketing-v1",
    "web_shop": "utility/WebShop-v1",
}
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the a an your my to of for in on with and or as back please is it this that".split()
)


@dataclass(frozen=True)
class TurnVerdict:
    """How the user answered one corpus turn: ``ok`` and, when not, why."""

    case_id: str
    klass: str
    ok: bool
    why: str
    reply: str


def load_turns(path: str | Path) -> list[dict[str, Any]]:
    """The corpus lines of ``path``, each with its line number under ``"line"``."""
    out = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            case = json.loads(line)
            case["line"] = n
            out.append(case)
    return out


class TurnJudge:
    """Plays corpus turns in fresh episodes of their tasks (one env per domain, reused)."""

    def __init__(self) -> None:
        self._envs: dict[str, gym.Env] = {}

    def env(self, domain: str) -> gym.Env:
        if domain not in self._envs:
            self._envs[domain] = gym.make(ENV_OF_DOMAIN[domain], split="test")
        return self._envs[domain]

    def judge(self, case: dict[str, Any]) -> TurnVerdict:
        domain = case["task_id"].split("/", 1)[0]
        env = self.env(domain)
        env.reset(options={"task_id": case["task_id"]})
        known = dict(env.unwrapped.task.goal.known)
        _, _, terminated, _, info = env.step(case["text"])
        users = [e for e in info["events"] if e["role"] == "user"]
        reply = " ".join(e["content"] for e in users)
        acts = {a for e in users for a in e.get("data", {}).get("acts", ())}
        why = _problems(case, reply, acts, known, terminated)
        return TurnVerdict(
            str(case.get("id", case.get("line"))), case["class"], not why, "; ".join(why), reply
        )

    def close(self) -> None:
        for env in self._envs.values():
            env.close()
        self._envs.clear()


def _problems(
    case: dict[str, Any], reply: str, acts: set[str], known: dict[str, str], terminated: bool
) -> list[str]:
    expect = case["expect"]
    low = reply.casefold()
    why = []
    for slot in expect.get("gives") or ():
        value = known.get(slot)
        if value is not None and value.casefold() not in low:
            why.append(f"did not give {slot} ({value})")
    verdict = expect.get("verdict")
    if verdict == "accept" and "affirm" not in acts:
        why.append(f"did not accept ({sorted(acts)})")
    elif verdict == "reject":
        if "deny" not in acts:
            why.append(f"did not reject ({sorted(acts)})")
        elif expect.get("right_value") and not _names(low, expect["right_value"]):
            why.append(f"rejected without naming {expect['right_value']!r}")
    elif verdict == "ask" and "affirm" in acts:
        why.append("took a bare go-ahead question as a proposal")
    elif verdict == "accept_or_ask" and not acts & {"affirm", "ask_detail"}:
        why.append(f"neither accepted nor asked ({sorted(acts)})")
    if verdict is None and "affirm" in acts and not expect.get("pick"):
        why.append("said yes to a turn that proposes nothing")
    if expect.get("pick") and not _names(low, expect["pick"]):
        why.append(f"did not pick {expect['pick']!r}")
    if expect.get("refusal"):
        if "affirm" in acts or not acts & {
            "push_back",
            "ask_reason",
            "accept_refusal",
            "bye",
            "inform_intent",
            "thanks",
        }:
            why.append(f"did not hear a refusal ({sorted(acts)})")
    elif terminated and "bye" in acts:
        why.append("hung up")
    return why


def _names(low_reply: str, value: str) -> bool:
    """Whether the reply names ``value``: verbatim, or every content word of it."""
    value = value.casefold().strip()
    if value in low_reply:
        return True
    words = [w for w in _WORD.findall(value) if w not in _STOP]
    reply_words = set(_WORD.findall(low_reply))
    return bool(words) and all(w in reply_words or w.rstrip("s") in reply_words for w in words)


def score(verdicts: Iterable[TurnVerdict]) -> dict[str, tuple[int, int]]:
    """(right, total) per class, and under ``"all"``."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for v in verdicts:
        for key in (v.klass, "all"):
            total[key] += 1
            right[key] += v.ok
    return {k: (right[k], total[k]) for k in sorted(total)}
