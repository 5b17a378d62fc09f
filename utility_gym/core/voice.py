"""The simulated user's voice: a seeded paraphrase bank for every answer it gives."""

from __future__ import annotations

import random

from utility_gym.core.nlu.lexicon import SLOT_LABELS

# --------------------------------------------------------------------------------------------
# The user's side: paraphrase bank
# --------------------------------------------------------------------------------------------


TEMPLATE_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "inform_slot": ("slot_label", "value"),
    "dont_know": ("slot_label",),
    "refer_back": ("reference",),
    "affirm": (),
    "deny": (),
    "deny_correct": ("value",),
    "thanks_bye": (),
    "thanks_next": ("request",),
    "give_up": (),
    "repeat_request": ("request",),
    "acknowledge": (),
    "accept_refusal": (),
    "push_back": (),
    "already_said": ("value",),
    "clarify_unknown": ("request",),
    "accept_offer": (),
    "decline_offer": (),
    "wait_ack": (),
    "deny_value": ("correction", "said"),
    "ask_what": (),
    "ask_detail": ("detail",),
    "choose": ("choice",),
    "ask_reason": (),
    "no_preference": ("slot_label",),
}
"""The placeholders each template key may use (all of them are supplied by callers)."""

USER_TEMPLATES: dict[str, tuple[str, ...]] = {
    "inform_slot": (
        "My {slot_label} is {value}.",
        "Sure, my {slot_label} is {value}.",
        "It's {value}.",
        "The {slot_label} is {value}.",
        "Yes, of course: {value}.",
        "{value}",
    ),
    "dont_know": (
        "I'm sorry, I don't know my {slot_label}.",
        "I don't have my {slot_label} handy, unfortunately.",
        "Hmm, I'm not sure what my {slot_label} is.",
        "Sorry, no idea what the {slot_label} is.",
        "I'm afraid I can't find my {slot_label} right now.",
    ),
    "refer_back": (
        "I don't have it in front of me, sorry: it's {reference}.",
        "It's {reference}. Don't you have it on file?",
        "I told you already: {reference}.",
        "Same as before: {reference}. I don't have it with me now.",
    ),
    "affirm": (
        "Yes, please go ahead.",
        "Yes.",
        "Sure, that works.",
        "Yes, that's right. Please proceed.",
        "Yep, go for it.",
        "That's correct, thank you.",
    ),
    "deny": (
        "No, that's not what I want.",
        "No, please don't.",
        "That's not right.",
        "No, hold on, that's not it.",
        "Please don't do that.",
    ),
    "deny_correct": (
        "No \u2014 I meant {value}.",
        "That's not right, it should be {value}.",
        "Actually, it's {value}.",
        "No, what I need is {value}.",
        "Not quite. I was talking about {value}.",
    ),
    "thanks_bye": (
        "Thanks, that's all. Bye!",
        "That's everything, thank you!",
        "Great, thanks for your help. Goodbye.",
        "Perfect, that's all I needed. Have a good day!",
        "Cheers, that sorts it. Bye.",
    ),
    "thanks_next": (
        "Great, thank you. One more thing: {request}",
        "Thanks! Also, {request}",
        "Perfect. Next, {request}",
        "Okay, thanks. There's something else: {request}",
        "Thank you. While I have you, {request}",
    ),
    "give_up": (
        "This is taking too long. I'll try again later.",
        "Never mind, I'll sort it out another time.",
        "I don't think this is working. Bye.",
        "Forget it, I'll call instead.",
        "I've run out of time for this. Goodbye.",
    ),
    "repeat_request": (
        "As I said, {request}",
        "Like I mentioned, {request}",
        "Again, {request}",
        "To repeat: {request}",
        "I'll say it again: {request}",
    ),
    "acknowledge": (
        "Okay.",
        "Alright.",
        "Got it.",
        "Sure.",
        "Okay, thanks.",
        "I see.",
    ),
    "accept_refusal": (
        "I see, that's a shame. Thanks anyway.",
        "Okay, I understand.",
        "That's disappointing, but fine.",
        "Alright, if that's the policy, I'll accept it.",
        "Understood. Thanks for checking.",
    ),
    "push_back": (
        "Are you sure? I really need this.",
        "Is there really nothing you can do?",
        "Could you please check again? It's important.",
        "That doesn't seem right. Can you make an exception?",
        "Please, I really need this sorted.",
    ),
    "already_said": (
        "I already told you: {value}.",
        "I gave that already, it's {value}.",
        "As I said before, {value}.",
        "It's {value}, like I mentioned.",
        "Same as before: {value}.",
    ),
    "clarify_unknown": (
        "Sorry, I'm not sure what you mean. {request}",
        "I don't follow. {request}",
        "Could you clarify? {request}",
        "Hmm, I'm confused. {request}",
        "I'm not sure I understand. {request}",
    ),
    "accept_offer": (
        "Yes, that works for me.",
        "Sure, let's do that.",
        "Okay, I'll take that.",
        "That sounds good, thank you.",
        "Fine, that's acceptable.",
    ),
    "decline_offer": (
        "No thanks, I'd rather not.",
        "I'll pass, thanks.",
        "That doesn't work for me.",
        "No, I'm not interested in that.",
        "Thanks, but that's not what I'm after.",
    ),
    "deny_value": (
        "No, that's not right: {correction}, not {said}.",
        "No, please don't: {correction}, not {said}.",
        "Hold on, that's wrong: {correction}, not {said}.",
        "No: {correction}. Not {said}.",
        "That's not what I want: {correction}, not {said}.",
    ),
    "ask_what": (
        "Go ahead with what, exactly? Please tell me what you're going to do first.",
        "Before I say yes, what exactly will you do?",
        "Sorry, go ahead with what? What are you going to change?",
        "What exactly are you proposing to do?",
    ),
    "ask_detail": (
        "Before I say yes: {detail}?",
        "Just to be sure, {detail}?",
        "And {detail}?",
        "Can you tell me {detail} first?",
    ),
    "choose": (
        "{choice}, please.",
        "I'd prefer {choice}.",
        "{choice}.",
        "Let's go with {choice}.",
    ),
    "ask_reason": (
        "Why not? Can you explain?",
        "Why can't you? What's the reason?",
        "Really? Why is that?",
        "Can you tell me why not?",
    ),
    "no_preference": (
        "No preference on the {slot_label}.",
        "Any {slot_label} is fine with me.",
        "I don't mind about the {slot_label}.",
        "The {slot_label} doesn't matter to me.",
    ),
    "wait_ack": (
        "Sure, I'll wait.",
        "No problem, take your time.",
        "Okay, I'm here.",
        "Sure thing.",
        "Alright, I'll hold.",
    ),
}
"""Paraphrases of the simulated user's answers, formatted with `str.format`."""


def render_user(key: str, rng: random.Random, **values: object) -> str:
    """Pick a paraphrase for `key` with `rng` (deterministic given its state) and format it.

    `slot_label` is derived from a `slot=` value via `SLOT_LABELS` when not given.
    Raises KeyError for an unknown key or a missing placeholder value.
    """
    templates = USER_TEMPLATES[key]
    if "slot_label" not in values and "slot" in values:
        slot = str(values["slot"])
        values["slot_label"] = SLOT_LABELS.get(slot, slot.replace("_", " "))
    template = templates[rng.randrange(len(templates))]
    return template.format_map(values)
