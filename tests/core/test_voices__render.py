"""utility_gym.testing.voices.render keeps the content rules in every voice."""

from __future__ import annotations

import random
import re

import pytest

from utility_gym.testing.voices import KINDS, SLOT_WORDS, VOICES, Said, render

SEEDS = range(40)

ASKS = [
    Said("ask", slots=("email",)),
    Said("ask", slots=("name", "zip")),
    Said("ask", slots=("employee_id", "date_of_birth")),
    Said("ask", slots=("employee_id", "device", "error_message")),
    Said("ask", slots=("budget", "size", "color")),
    Said("ask", slots=("order_id", "item", "option", "quantity", "reason")),
    Said("ask", slots=("details", "ticket_id", "application", "payment_method", "address")),
    Said("ask", slots=("manager_name",)),
]

PROPOSALS = [
    Said(
        "propose",
        action="cancel",
        target="order #W298797",
        values=(
            ("item", "Alpine T-Shirt (size: M, color: navy)"),
            ("reason", "ordered by mistake"),
            ("refund to", "Amex ending 1221"),
        ),
        facts=(("refund amount", "$108.97"),),
    ),
    Said("propose", action="reset the password of", target="your account"),
    Said("propose", action="grant access to", target="Miro", values=(("ticket", "REQ0001234"),)),
    Said(
        "propose",
        action="exchange",
        target="the Cedar Rain Jacket (size: L, color: yellow) in order #W135439",
        values=(("new variant", "V0123 (size: M, color: yellow)"),),
    ),
]

TELLS = [
    Said(
        "tell",
        action="cancel",
        done="cancelled",
        target="order #W298797",
        facts=(("refund amount", "$108.97"), ("refund to", "Amex ending 1221")),
    ),
    Said("tell", action="grant access to", done="granted", target="Miro"),
    Said(
        "tell",
        action="reset the password of",
        done="reset",
        target="your account",
        facts=(("ticket", "INC0001234"), ("status", "resolved")),
    ),
]

REFUSALS = [
    Said(
        "refuse",
        action="cancel",
        target="order #W810089",
        reason="its status is delivered, and only pending orders can be cancelled",
    ),
    Said(
        "refuse",
        action="replace",
        target="your monitor AST00421",
        reason="its warranty ended on 2026-01-31 and there is no damage report on file",
    ),
]

CLARIFICATIONS = [
    Said("clarify", options=("order #W1 (Cedar Backpack)", "order #W2 (Alpine T-Shirt)")),
    Said(
        "clarify",
        options=("order #W1 (size: M, color: navy)", "order #W2", "order #W3 (Nimbus Yoga Mat)"),
    ),
]

OTHERS = [
    Said(
        "other",
        original="Thank you for calling right away. I've logged this as security incident "
        "INC0001234, and I'm transferring you to Security Operations now.",
    ),
    Said("other", original="Sure. What is the new shipping address?"),
]

ALL = ASKS + PROPOSALS + TELLS + REFUSALS + CLARIFICATIONS + OTHERS

# Asking the customer's permission to do the refused thing.
PERMISSION = re.compile(
    r"\b(shall i|should i|would you like me to|do you want me to|ok to proceed|go ahead\?"
    r"|proceed\?|confirm)",
    re.IGNORECASE,
)


def outputs(said: Said, voice: str) -> list[str]:
    return [render(said, voice, random.Random(seed)) for seed in SEEDS]


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", ALL, ids=lambda s: s.kind)
def test_never_empty_and_deterministic(said: Said, voice: str) -> None:
    for seed in SEEDS:
        text = render(said, voice, random.Random(seed))
        assert isinstance(text, str) and text.strip()
        assert text == render(said, voice, random.Random(seed))


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", ASKS, ids=lambda s: "+".join(s.slots))
def test_ask_names_every_slot_once(said: Said, voice: str) -> None:
    for text in outputs(said, voice):
        for slot in said.slots:
            assert text.count(SLOT_WORDS[slot]) == 1, (slot, text)
        assert "?" in text or "please" in text.lower(), text


@pytest.mark.parametrize("said", ASKS, ids=lambda s: "+".join(s.slots))
def test_multi_question_asks_each_slot_in_its_own_question(said: Said) -> None:
    for text in outputs(said, "multi_question"):
        questions = [q for q in re.split(r"(?<=\?)\s+", text) if q.endswith("?")]
        assert len(questions) == len(said.slots), text
        for slot in said.slots:
            assert sum(SLOT_WORDS[slot] in q for q in questions) == 1, (slot, text)


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", PROPOSALS, ids=lambda s: s.action)
def test_propose_states_everything_and_asks_permission(said: Said, voice: str) -> None:
    for text in outputs(said, voice):
        assert said.action in text and said.target in text, text
        for _, value in said.values + said.facts:
            assert value in text, (value, text)
        assert "?" in text and PERMISSION.search(text), text


@pytest.mark.parametrize("said", PROPOSALS, ids=lambda s: s.action)
def test_summary_question_puts_the_question_last(said: Said) -> None:
    for text in outputs(said, "summary_question"):
        recap, _, question = text.rpartition("\n\n")
        assert recap and said.target in recap
        assert question.endswith("?") and PERMISSION.search(question), text


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", TELLS, ids=lambda s: s.action)
def test_tell_says_it_is_done_with_every_fact(said: Said, voice: str) -> None:
    for text in outputs(said, voice):
        assert said.done in text and said.target in text, text
        for _, value in said.facts:
            assert value in text, (value, text)
        assert not PERMISSION.search(text), text


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", REFUSALS, ids=lambda s: s.action)
def test_refuse_is_final_with_the_reason(said: Said, voice: str) -> None:
    for text in outputs(said, voice):
        assert said.action in text and said.target in text and said.reason in text, text
        assert re.search(r"can't|cannot|unable|not able", text, re.IGNORECASE), text
        assert not PERMISSION.search(text), text


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", CLARIFICATIONS, ids=lambda s: str(len(s.options)))
def test_clarify_lists_every_option(said: Said, voice: str) -> None:
    for text in outputs(said, voice):
        for option in said.options:
            assert option in text, (option, text)
        assert "?" in text, text


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize("said", OTHERS, ids=lambda s: s.original[:12])
def test_other_keeps_ids_and_words(said: Said, voice: str) -> None:
    words = set(re.findall(r"[\w#$.-]+", said.original))
    for text in outputs(said, voice):
        assert words <= set(re.findall(r"[\w#$.-]+", text)), text


@pytest.mark.parametrize("voice", VOICES)
@pytest.mark.parametrize(
    "said", [ASKS[1], PROPOSALS[0], TELLS[0], REFUSALS[0], CLARIFICATIONS[0]], ids=KINDS[:5]
)
def test_at_least_three_paraphrases(said: Said, voice: str) -> None:
    assert len(set(outputs(said, voice))) >= 3


def test_voices_look_like_their_names() -> None:
    said = PROPOSALS[0]
    for seed in SEEDS:
        bullets = render(said, "bullets", random.Random(seed))
        assert "\n- " in bullets and "**" in bullets
        assert "\n1. " in render(said, "numbered", random.Random(seed))
        assert "\n\n" in render(said, "summary_question", random.Random(seed))
        assert render(said, "multi_question", random.Random(seed)).count("?") >= 2
    terse = sum(len(render(said, "terse", random.Random(s))) for s in SEEDS)
    warm = sum(len(render(said, "warm", random.Random(s))) for s in SEEDS)
    assert terse < warm


def test_empty_fields_are_handled() -> None:
    for voice in VOICES:
        for said in (
            Said("ask"),
            Said("propose", action="unlock", target="your account"),
            Said("propose", action="add the compensation"),
            Said("tell", action="unlock", done="unlocked"),
            Said("refuse", action="grant local administrator rights"),
            Said("clarify"),
            Said("other"),
        ):
            for seed in range(5):
                text = render(said, voice, random.Random(seed))
                assert text.strip() and said.action in text


def test_slot_words_fallback_and_bad_arguments() -> None:
    assert SLOT_WORDS["email"] == "the email address on your account"
    assert SLOT_WORDS["manager_name"] == "manager name"
    with pytest.raises(ValueError):
        render(Said("ask", slots=("email",)), "shouty", random.Random(0))
    with pytest.raises(ValueError):
        render(Said("greet"), "terse", random.Random(0))
