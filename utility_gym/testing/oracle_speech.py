"""The oracle in other voices: what each scripted message means, re-worded by `voices`.

`meaning(task, index, env)` reads what the oracle's message at ``plan[index]`` is for from the
plan around it (a question before the look-up that needs the answer, a proposal before the
write it proposes, an outcome after the write, a refusal at the end of a refused intent) and
returns a `Said`: the content, without the wording. `VoicedOracle` plays the plan with every
message re-worded in one of the `VOICES` (written without sight of the simulated user's rules).
The score must not depend on the voice when the content is right.
"""

from __future__ import annotations

import random
from typing import Any

import gymnasium as gym

from utility_gym.agents.oracle import OracleAgent
from utility_gym.core.nlu import understand
from utility_gym.core.tasks import PlanStep, Task, _norm_text
from utility_gym.core.values import Value
from utility_gym.testing.voices import VOICES, Said, render

__all__ = ["VOICES", "VoicedOracle", "meaning"]

# NLU action -> (verb phrase, past participle) for a proposal or outcome of it.
_VERBS = {
    "cancel": ("cancel", "cancelled"),
    "return": ("return the items of", "returned"),
    "exchange": ("exchange the items of", "exchanged"),
    "modify_items": ("change the items of", "changed"),
    "change_address": ("change the shipping address of", "updated"),
    "change_payment": ("change the payment method of", "updated"),
    "compensate": ("add compensation for", "compensated"),
    "reset_password": ("reset the password of", "reset"),
    "unlock_account": ("unlock", "unlocked"),
    "grant_access": ("grant access for", "granted"),
    "request_approval": ("request approval for", "requested"),
    "replace_device": ("order a replacement for", "ordered"),
    "repair_device": ("book a repair for", "booked for repair"),
    "reopen_ticket": ("reopen", "reopened"),
    "escalate": ("escalate", "escalated"),
    "purchase": ("buy", "bought"),
}
_LABELS = {
    "payment": "new payment method",
    "refund_to": "refund to",
    "street": "new address",
    "zip": "zip code",
    "app": "application",
    "option": "new option",
}
_TARGET_KINDS = ("order", "ticket", "asset", "app")


def meaning(task: Task, index: int, env: gym.Env) -> Said:
    """What the oracle's message ``task.plan[index]`` says, as content."""
    plan = task.plan
    step = plan[index]
    original = str(step.say)
    intent = task.goal.intents[step.intent]
    tools = env.unwrapped.toolbox.tools
    following = _calls_until_say(plan, index + 1, 1)
    preceding = _calls_until_say(plan, index - 1, -1)
    confirmed = [s.call for s in following if tools[s.call.name].confirm]
    if confirmed and not intent.outcome == "refuse":
        values = _decisive(env, confirmed)
        target, rest = _target(values)
        verb = _VERBS.get(intent.action or "", ("do this for", "done"))[0]
        return Said(
            "propose",
            action=verb,
            target=target,
            values=tuple(_pair(v) for v in rest),
            original=original,
        )
    wrote = [s.call for s in preceding if tools[s.call.name].writes and tools[s.call.name].confirm]
    if wrote and intent.facts:
        target, _ = _target(_decisive(env, wrote))
        verb, done = _VERBS.get(intent.action or "", ("do this for", "done"))
        facts = tuple((f.label, _shown(f.kind, f.value)) for f in intent.facts)
        return Said("tell", action=verb, done=done, target=target, facts=facts, original=original)
    last_say = max(k for k, s in enumerate(plan) if s.intent == step.intent and s.say is not None)
    if intent.outcome == "refuse" and index == last_say:
        verb = _VERBS.get(intent.action or "", ("do", "done"))[0]
        target = (
            f"order #{intent.targets[0]}"
            if intent.targets and intent.targets[0].startswith("W")
            else "that"
        )
        return Said(
            "refuse", action=verb, target=target, reason=_reason(original), original=original
        )
    reading = understand(original, env.unwrapped.domain.lexicon)
    tells = any(f.told_in(reading.grounding, _norm_text(original)) for f in intent.facts)
    if reading.slots() and reading.proposal is None and not reading.choices and not tells:
        return Said("ask", slots=tuple(dict.fromkeys(reading.slots())), original=original)
    return Said("other", original=original)


class VoicedOracle(OracleAgent):
    """The oracle with every message re-worded in ``voice`` (seeded, so runs repeat)."""

    def __init__(self, env: gym.Env, voice: str, seed: int = 0, **kwargs: Any) -> None:
        if voice not in VOICES:
            raise ValueError(f"unknown voice {voice!r}; choose one of {', '.join(VOICES)}")
        super().__init__(env, **kwargs)
        self.voice = voice
        self.seed = seed

    def reset(self) -> None:
        task: Task = self.env.unwrapped.task
        rng = random.Random(f"{self.seed}/{task.task_id}/{self.voice}")
        self._queue = []
        for i, step in enumerate(task.plan):
            if i in self.skip:
                continue
            played = self.replace.get(i, step)
            voiced = played is step and step.say is not None
            self._queue.append(
                render(meaning(task, i, self.env), self.voice, rng) if voiced else played.action()
            )


def _calls_until_say(plan: tuple[PlanStep, ...], start: int, step: int) -> list[PlanStep]:
    out = []
    k = start
    while 0 <= k < len(plan) and plan[k].say is None:
        out.append(plan[k])
        k += step
    return out


def _decisive(env: gym.Env, calls: list[Any]) -> list[Value]:
    words = env.unwrapped.domain.words
    db = env.unwrapped.world.conn
    values: list[Value] = []
    for call in calls:
        values.extend(
            v for v in words.decisive_values(db, call.name, call.arguments) if v not in values
        )
    return values


def _target(values: list[Value]) -> tuple[str, list[Value]]:
    for kind in _TARGET_KINDS:
        for v in values:
            if v.kind == kind:
                shown = {
                    "order": f"order #{v.value}",
                    "ticket": f"ticket {v.value}",
                    "asset": v.spoken,
                }.get(kind, v.value)
                return shown, [w for w in values if w is not v]
    return "your account", values


def _pair(v: Value) -> tuple[str, str]:
    label = _LABELS.get(v.kind, v.kind.replace("_", " "))
    shown = v.spoken
    if v.kind == "refund_to" and v.aliases:
        shown = f"{v.value} ({v.aliases[0]})"
    return label, shown


def _shown(kind: str, value: Any) -> str:
    return f"${float(value):,.2f}" if kind == "amount" else str(value)


def _reason(original: str) -> str:
    """The policy reason of a scripted refusal: its words after the refusal itself."""
    text = original.split(" Is there anything else")[0]
    for lead in ("I'm sorry, but ", "I'm sorry, "):
        text = text.removeprefix(lead)
    return text[:1].lower() + text[1:].rstrip(".")
