"""Re-voice an agent's message in six writing styles, to test that understanding ignores phrasing.

A :class:`Said` holds what the agent means (ask for facts, propose an action, tell an outcome,
refuse, ask the customer to choose between options); :func:`render` writes it in one of
:data:`VOICES`, the way real support agents and chat assistants write: terse, warm, markdown
bullets, numbered lists, a recap followed by a question, or several questions in one turn.

Content rules every rendering keeps, whatever the voice:

- every value of ``values`` and ``facts``, the ``target``, the ``reason`` and every option appear
  verbatim (never re-cased or re-formatted);
- ``action`` appears in the base form given (propose, refuse), ``done`` for tell;
- an ask names every slot exactly once, using :data:`SLOT_WORDS`;
- a proposal contains a yes/no question asking for permission; a refusal contains none about
  the refused action.

Paraphrases are chosen with the ``random.Random`` passed in, so equal seeds give equal text::

    import random
    from utility_gym.testing.voices import Said, render

    said = Said("propose", action="cancel", target="order #W1",
                values=(("reason", "no longer needed"),))
    render(said, "bullets", random.Random(0))
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["KINDS", "SLOT_WORDS", "VOICES", "Said", "render"]

VOICES = ("terse", "warm", "bullets", "numbered", "summary_question", "multi_question")
"""The writing styles :func:`render` knows."""

KINDS = ("ask", "propose", "tell", "refuse", "clarify", "other")
"""The kinds of :class:`Said`."""


@dataclass(frozen=True)
class Said:
    """What the agent means to say, independent of wording."""

    kind: str  # "ask" | "propose" | "tell" | "refuse" | "clarify" | "other"
    slots: tuple[str, ...] = ()  # ask: facts to ask for, e.g. ("email",), ("name", "zip")
    action: str = ""  # propose/tell/refuse: base-form verb phrase, e.g. "cancel", "grant access to"
    done: str = ""  # tell: past participle of the action, e.g. "cancelled", "granted"
    target: str = ""  # the object acted on, e.g. "order #W298797", "your account"
    values: tuple[tuple[str, str], ...] = ()  # propose: (label, value) details deciding the action
    facts: tuple[tuple[str, str], ...] = ()  # tell (and propose, optionally): (label, value) facts
    reason: str = ""  # refuse: the policy reason as one clause
    options: tuple[str, ...] = ()  # clarify: the alternatives the customer must choose between
    original: str = ""  # the scripted agent's own words (used for "other" only)


class _SlotWords(dict[str, str]):
    """A dict whose missing keys read as the slot name with spaces for underscores."""

    def __missing__(self, slot: str) -> str:
        words = " ".join(slot.replace("_", " ").split())
        return words or "a few details"


_ATTRIBUTES = frozenset(
    """size color colour capacity scent volume thickness finish connectivity type material style
    flavor flavour length width storage memory fit weight pattern model brand variant count edition
    format shade strength""".split()
) | {"pack size"}
"""Product options a shopper picks; asked as "which size would you like"."""

SLOT_WORDS: dict[str, str] = _SlotWords(
    {
        "email": "the email address on your account",
        "order_id": "the order number",
        "zip": "zip code",
        "name": "full name",
        "first_name": "first name",
        "last_name": "last name",
        "employee_id": "employee ID",
        "date_of_birth": "date of birth",
        "device": "the asset tag of the device",
        "error_message": "the exact error message",
        "application": "the application",
        "ticket_id": "the ticket number",
        "item": "which item",
        "option": "which option/variant",
        "budget": "your budget",
        "reason": "the reason",
        "address": "the new address",
        "payment_method": "the payment method",
        "quantity": "how many",
        "details": "a few details",
        **{attribute.replace(" ", "_"): attribute for attribute in _ATTRIBUTES},
    }
)
"""How an agent names each fact it asks for; unknown slots read as their name with spaces."""

_PREPOSITIONS = frozenset(
    {"to", "for", "of", "on", "by", "from", "in", "at", "with", "until", "into", "onto", "via"}
)
_IDENTITY_SLOTS = frozenset(
    {"email", "name", "first_name", "last_name", "zip", "employee_id", "date_of_birth", "phone"}
)
_IS_NOUN_LABEL = frozenset(
    """amount total price cost number id status date time ticket reference tracking order balance
    credit difference""".split()
)
"""Label words that read well as "The <label> is <value>."."""
_COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

Pairs = Sequence[tuple[str, str]]


# ----------------------------------------------------------------------------- text helpers


def _cap(text: str) -> str:
    """Upper-case the first character (only ever used on our own words or on labels)."""
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _end(text: str, mark: str = ".") -> str:
    """``text`` closed by ``mark`` unless it already ends a sentence."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?")) else text + mark


def _join(items: Sequence[str], conj: str = "and", sep: str = ", ") -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{sep.join(items[:-1])} {conj} {items[-1]}"


def _count(n: int) -> str:
    return _COUNT_WORDS[n] if 0 <= n < len(_COUNT_WORDS) else str(n)


def _bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def _pick(rng: random.Random, options: Sequence[str]) -> str:
    return options[rng.randrange(len(options))]


# ----------------------------------------------------------------------------- slots (ask)


def _slot_class(slot: str) -> str:
    """``wh`` (which item), ``def`` (the order number), ``indef`` (a few details), ``attr``
    (size) or ``own`` (zip code, said as "your zip code")."""
    words = SLOT_WORDS[slot]
    first = words.split(" ", 1)[0].lower()
    if first in ("which", "how", "what", "when", "where", "whether", "who"):
        return "wh"
    if first in ("the", "your", "my", "our", "this", "that"):
        return "def"
    if first in ("a", "an", "some", "any"):
        return "indef"
    if slot in _ATTRIBUTES or words in _ATTRIBUTES or slot.replace("_", " ") in _ATTRIBUTES:
        return "attr"
    return "own"


def _wh_object(words: str) -> str:
    """An embedded question: "which item" -> "which item you mean"."""
    first = words.split(" ", 1)[0].lower()
    if first == "which":
        return words + (" you'd like" if "option" in words or "variant" in words else " you mean")
    if words.lower().startswith(("how many", "how much")):
        return words + " you'd like"
    return words


def _slot_objects(slots: Sequence[str], group: bool = True) -> list[str]:
    """Object phrases naming each slot once, for "could you tell me ___"; with ``group``,
    neighbours share words: "your full name and zip code", "the size and color you'd like"."""
    objects: list[str] = []
    i = 0
    while i < len(slots):
        cls = _slot_class(slots[i])
        run = [slots[i]]
        if group and cls in ("own", "attr"):
            while i + len(run) < len(slots) and _slot_class(slots[i + len(run)]) == cls:
                run.append(slots[i + len(run)])
        words = [SLOT_WORDS[slot] for slot in run]
        if cls == "own":
            objects.append("your " + _join(words))
        elif cls == "attr":
            objects.append(f"the {_join(words)} you'd like")
        elif cls == "wh":
            objects.append(_wh_object(words[0]))
        else:
            objects.append(words[0])
        i += len(run)
    return objects


def _slot_question(slot: str, rng: random.Random) -> str:
    """A direct question for one slot; it never starts with the slot's own words."""
    words = SLOT_WORDS[slot]
    cls = _slot_class(slot)
    if cls == "own":
        templates = ("What's your {w}?", "What is your {w}?", "Could you give me your {w}?")
    elif cls == "attr":
        templates = ("Which {w} would you like?", "What {w} do you need?", "What {w} should I get?")
    elif cls == "def":
        templates = ("What's {w}?", "Could you tell me {w}?", "What is {w}, please?")
    elif cls == "indef":
        templates = ("Could you share {w}?", "Can you give me {w}?", "Would you tell me {w}?")
    else:
        words = _wh_object(words)
        templates = ("Could you tell me {w}?", "Can you let me know {w}?", "Would you tell me {w}?")
    return _pick(rng, templates).format(w=words)


# ----------------------------------------------------------------------------- actions


def _needs_object(action: str) -> bool:
    words = action.split()
    return len(words) == 1 or words[-1].lower() in _PREPOSITIONS


def _act(said: Said) -> str:
    """The action on its target, base form: "cancel order #W1", "grant access to Miro"."""
    action, target = said.action.strip(), said.target.strip()
    if not action:
        return f"take care of {target}" if target else "go ahead with this"
    if not target:
        return action + (" it" if _needs_object(action) else "")
    return f"{action} {target}"


def _done_word(said: Said) -> str:
    return said.done.strip() or "taken care of"


def _active(said: Said) -> str:
    """What was done, after "I've": "cancelled order #W1", "granted access to Miro"."""
    action, target = said.action.strip(), said.target.strip()
    tail = action.split(" ", 1)[1] if " " in action else ""
    if not target:
        target = "it" if not action or _needs_object(action) else ""
    return " ".join(part for part in (_done_word(said), tail, target) if part)


def _passive(said: Said) -> str:
    """The outcome as a clause: "order #W1 has been cancelled", "access to Miro has been
    granted". Starts with the target's own words, so never at the start of a sentence."""
    action, target = said.action.strip(), said.target.strip()
    tail = action.split(" ", 1)[1] if " " in action else ""
    if tail and target:
        subject = f"{tail} {target}"
    elif tail:
        subject = f"{tail} it" if _needs_object(action) else tail
    else:
        subject = target or "it"
    return f"{subject} has been {_done_word(said)}"


# ----------------------------------------------------------------------------- label/value pairs


def _pair_inline(label: str, value: str) -> str:
    """``reason: ordered by mistake``; ``refund to Amex ending 1221`` for prepositional labels."""
    label = label.strip()
    if not label:
        return value
    if label.split()[-1].lower() in _PREPOSITIONS:
        return f"{label} {value}"
    return f"{label}: {value}"


def _pairs_inline(pairs: Pairs) -> str:
    return "; ".join(_pair_inline(label, value) for label, value in pairs)


def _pair_sentence(label: str, value: str) -> str:
    """``The refund amount is $108.97.`` for amounts and ids; ``Reason: no longer needed.``"""
    label = label.strip()
    if not label:
        return _end(value)
    words = label.lower().split()
    if words[-1] in _PREPOSITIONS or not _IS_NOUN_LABEL.intersection(words):
        return _end(f"{_cap(label)}: {value}")
    if words[0] in ("the", "your", "a", "an"):
        return _end(f"{_cap(label)} is {value}")
    return _end(f"The {label} is {value}")


def _pairs_sentences(pairs: Pairs) -> str:
    return " ".join(_pair_sentence(label, value) for label, value in pairs)


def _pair_item(label: str, value: str, bold: bool) -> str:
    """One list line: ``**Reason:** ordered by mistake`` or ``Reason: ordered by mistake``."""
    label = label.strip()
    if not label:
        return value
    return f"**{_cap(label)}:** {value}" if bold else f"{_cap(label)}: {value}"


def _pair_items(pairs: Pairs, bold: bool) -> list[str]:
    return [_pair_item(label, value, bold) for label, value in pairs]


def _because(reason: str) -> str:
    """``because <reason>`` unless the reason brings its own conjunction."""
    if reason.lower().startswith(("because", "since", "as ", "due to", "given")):
        return reason
    return f"because {reason}"


# ----------------------------------------------------------------------------- ask


def _ask(said: Said, voice: str, rng: random.Random) -> str:
    slots = [slot for slot in said.slots if slot]
    if not slots:
        return _pick(
            rng,
            (
                "Could you tell me a bit more about what you need?",
                "Could you give me a little more detail, please?",
                "What exactly would you like me to do?",
            ),
        )
    objects = _join(_slot_objects(slots))
    items = _slot_objects(slots, group=False)
    several = len(slots) > 1
    them = "these" if several else "that"
    if voice == "terse":
        options = [
            f"Please send {objects}.",
            f"Need {objects}, please.",
            f"Can you send {objects}?",
        ]
        if all(_slot_class(slot) in ("own", "def") for slot in slots):
            options.append(f"What's {objects}?")
        return _pick(rng, options)
    if voice == "warm":
        return _pick(
            rng,
            (
                f"I'd be happy to help with that! 😊 To get started, could you please let me "
                f"know {objects}? Thank you so much!",
                f"Thank you so much for reaching out — I completely understand, and I'm here to "
                f"help. So that I can take care of this for you, would you mind telling me "
                f"{objects}?",
                f"Absolutely, I'd be glad to help you with this! Before I go any further, could "
                f"you kindly tell me {objects}? Once I have that, I'll take care of the rest.",
            ),
        )
    if voice in ("bullets", "numbered"):
        return _ask_as_list(items, them, voice, rng)
    return _ask_in_two_parts(slots, objects, voice, rng)


def _ask_as_list(items: list[str], them: str, voice: str, rng: random.Random) -> str:
    """Bullets or numbered: one line per fact asked for."""
    if voice == "bullets":
        return _pick(
            rng,
            (
                f"**To continue, I need:**\n{_bullets(items)}\n\nCould you send {them} over?",
                f"Happy to help. **Could you please share the following?**\n{_bullets(items)}",
                f"**Quick check before I continue**\n\nPlease reply with:\n{_bullets(items)}",
            ),
        )
    things = f"{_count(len(items))} thing{'s' if len(items) > 1 else ''}"
    return _pick(
        rng,
        (
            f"To get started, I need {things} from you:\n{_numbered(items)}\n\n"
            f"Could you send {them} over?",
            f"Could you please tell me:\n{_numbered(items)}",
            f"Here's what I need before I can continue:\n{_numbered(items)}\n\n"
            f"Could you reply with {them}?",
        ),
    )


def _ask_in_two_parts(slots: list[str], objects: str, voice: str, rng: random.Random) -> str:
    """A recap, then the question (summary_question); one question per fact (multi_question)."""
    if voice == "summary_question":
        if all(slot in _IDENTITY_SLOTS for slot in slots):
            why = _pick(
                rng,
                (
                    "I need to verify your identity before I can look at or change anything",
                    "before I can access anything, I have to confirm who I'm speaking with",
                    "for security, I must verify your identity first",
                ),
            )
        else:
            why = _pick(
                rng,
                (
                    "I don't want to guess, so I need a bit more information from you",
                    "I need a little more information to get this exactly right",
                    "some information is still missing before I can continue",
                ),
            )
        return _pick(
            rng,
            (
                f"Here's where we are: {why}.\n\nCould you tell me {objects}?",
                f"Quick summary before we continue: {why}, and then I can take it from there."
                f"\n\nCould you let me know {objects}?",
                f"To recap: {why}.\n\nWould you mind telling me {objects}?",
            ),
        )
    # multi_question: one question per slot, in one paragraph.
    questions = [_slot_question(slot, rng) for slot in slots]
    joined = [questions[0]]
    for question in questions[1:]:
        joined.append(_pick(rng, (question, "And " + _lower_first(question))))
    opener = _pick(rng, ("", "Happy to help. ", "Sure thing. "))
    return opener + " ".join(joined)


# ----------------------------------------------------------------------------- propose


def _propose(said: Said, voice: str, rng: random.Random) -> str:
    act = _act(said)
    pairs = list(said.values) + list(said.facts)
    inline = _pairs_inline(pairs)
    if voice == "terse":
        terse_details = " " + _end(_cap(inline) if pairs and pairs[0][0].strip() else inline)
        return _pick(
            rng,
            (
                f"I'll {act}" + (f" ({inline})" if inline else "") + ". OK to proceed?",
                f"Ready to {act}." + (terse_details if inline else "") + " Go ahead?",
                f"Can {act}" + (f" — {inline}" if inline else "") + ". Confirm (yes/no)?",
            ),
        )
    if voice == "warm":
        details = f" Here are the details so you can double-check: {_end(inline)}" if inline else ""
        return _pick(
            rng,
            (
                f"I completely understand, and I'd be happy to take care of this for you! "
                f"Here's what I can do: {act}.{details} Would you like me to go ahead? Just reply "
                f"yes and I'll get it done right away. 😊",
                f"Thank you so much for your patience! I've looked into it, and I'm able to {act} "
                f"for you.{details} Shall I go ahead and {act}? Please reply yes to confirm.",
                f"Thanks for bearing with me! I'd be glad to {act}.{details} Does that all sound "
                f"good — would you like me to proceed? I'll wait for your yes before I do "
                f"anything.",
            ),
        )
    if voice in ("bullets", "numbered"):
        return _propose_as_list(act, pairs, voice, rng)
    return _propose_in_two_parts(act, pairs, inline, voice, rng)


def _propose_as_list(act: str, pairs: Pairs, voice: str, rng: random.Random) -> str:
    """Bullets or numbered: the action and its details as list lines."""
    if voice == "bullets":
        items = _bullets(_pair_items(pairs, bold=True))
        return _pick(
            rng,
            (
                f"**Proposed action:** {act}"
                + (f"\n\n**Details:**\n{items}" if items else "")
                + "\n\nShall I go ahead? Please reply **yes** to confirm.",
                "Here's what I can do:\n\n"
                + _bullets([f"**Action:** {act}", *_pair_items(pairs, bold=True)])
                + "\n\nWould you like me to proceed?",
                f"**Ready when you are** — I can {act}."
                + (f"\n\n{items}" if items else "")
                + "\n\n**Shall I go ahead?**",
            ),
        )
    details = _pair_items(pairs, bold=False)
    check = details or [f"Action: {act}"]
    return _pick(
        rng,
        (
            "Here's the plan:\n"
            + _numbered([f"I'll {act}.", *details, "I'll confirm here once it's done."])
            + "\n\nShall I go ahead?",
            f"Please check these details:\n{_numbered(check)}\n\n"
            f"If everything's right, shall I {act}?",
            "Here's what will happen if you say yes:\n"
            + _numbered([f"I {act}.", *details])
            + "\n\nDo you want me to go ahead?",
        ),
    )


def _propose_in_two_parts(
    act: str, pairs: Pairs, inline: str, voice: str, rng: random.Random
) -> str:
    """A recap, then the question (summary_question); the proposal and two questions (multi)."""
    if voice == "summary_question":
        recap = _pick(
            rng,
            (
                f"Here's a quick summary of what I'll do: {act}"
                + (f" ({inline})" if inline else "")
                + ".",
                f"To summarize: I can {act}." + (f" {_pairs_sentences(pairs)}" if pairs else ""),
                f"Just to recap the plan: I would {act}."
                + (f" The details: {_end(inline)}" if inline else ""),
            ),
        )
        question = _pick(
            rng,
            (
                "Does that look right, and shall I go ahead?",
                "Shall I go ahead?",
                f"Would you like me to {act} now?",
            ),
        )
        return f"{recap}\n\n{question}"
    # multi_question: the proposal, then two questions, neither offering another choice.
    statement = _pick(
        rng,
        (
            f"I can {act}" + (f" — {inline}" if inline else "") + ".",
            f"Here's what I'd do: {act}" + (f" ({inline})" if inline else "") + ".",
            f"I'm able to {act}." + (f" {_pairs_sentences(pairs)}" if pairs else ""),
        ),
    )
    questions = _pick(
        rng,
        (
            "Shall I go ahead with that? And is there anything else you need today?",
            "Does everything above look correct? And would you like me to go ahead?",
            "Is that what you wanted? Shall I go ahead?",
        ),
    )
    return f"{statement} {questions}"


# ----------------------------------------------------------------------------- tell


def _tell(said: Said, voice: str, rng: random.Random) -> str:
    passive, active = _passive(said), _active(said)
    pairs = list(said.values) + list(said.facts)
    inline = _pairs_inline(pairs)
    terse_facts = ""
    if inline:
        terse_facts = " " + _end(_cap(inline) if pairs[0][0].strip() else inline)
    sentences = f" {_pairs_sentences(pairs)}" if pairs else ""
    if voice == "terse":
        return _pick(
            rng,
            (
                f"Done: {passive}.{terse_facts} Anything else?",
                f"I've {active}.{terse_facts} Anything else?",
                f"All set — {passive}.{terse_facts}",
            ),
        )
    if voice == "warm":
        return _pick(
            rng,
            (
                f"Great news — {passive}! 🎉{sentences} Thank you so much for your patience. "
                f"Is there anything else I can help you with today?",
                f"All done! I've {active} for you.{sentences} I really appreciate you bearing "
                f"with me — is there anything else I can do for you?",
                f"Thanks for your patience! I'm happy to let you know that {passive}.{sentences} "
                f"If there's anything else I can help with, just let me know — I'm always happy "
                f"to help! 😊",
            ),
        )
    if voice in ("bullets", "numbered"):
        return _tell_as_list(passive, active, pairs, voice, rng)
    return _tell_in_two_parts(passive, active, sentences, voice, rng)


def _tell_as_list(passive: str, active: str, pairs: Pairs, voice: str, rng: random.Random) -> str:
    """Bullets or numbered: the outcome and its facts as list lines."""
    if voice == "bullets":
        items = _bullets(_pair_items(pairs, bold=True))
        return _pick(
            rng,
            (
                f"**Done:** {passive}."
                + (f"\n\n{items}" if items else "")
                + "\n\nAnything else I can help with?",
                f"✅ I've {active}."
                + (f"\n\n**Details:**\n{items}" if items else "")
                + "\n\nIs there anything else I can help you with?",
                f"**Update:** {passive}."
                + (f"\n\n**What you need to know:**\n{items}" if items else "")
                + "\n\nAnything else?",
            ),
        )
    items = _numbered([f"I've {active}.", *_pair_items(pairs, bold=False)])
    return _pick(
        rng,
        (
            f"Here's what I've done:\n{items}\n\nIs there anything else I can help you with?",
            f"All done. Summary:\n{items}\n\nAnything else I can help with?",
            f"Update on your request:\n{items}\n\nIs there anything else you need?",
        ),
    )


def _tell_in_two_parts(
    passive: str, active: str, sentences: str, voice: str, rng: random.Random
) -> str:
    """A recap, then a closing question (summary_question); the outcome, two questions."""
    if voice == "summary_question":
        recap = _pick(
            rng,
            (
                f"Here's a quick summary: {passive}.{sentences}",
                f"To recap: I've {active}.{sentences}",
                f"Summary of what I did: I've {active}.{sentences}",
            ),
        )
        question = _pick(
            rng,
            (
                "Is there anything else I can help you with?",
                "Anything else I can help with today?",
                "Is there anything else you need?",
            ),
        )
        return f"{recap}\n\n{question}"
    outcome = _pick(rng, (f"Done: {passive}.", f"I've {active}.", f"Good news: {passive}."))
    closing = _pick(
        rng,
        (
            "Is everything clear? And is there anything else I can help with?",
            "Does that all make sense? Anything else I can help with?",
            "Anything else I can help with?",
        ),
    )
    return f"{outcome}{sentences} {closing}"


# ----------------------------------------------------------------------------- refuse


def _refuse(said: Said, voice: str, rng: random.Random) -> str:
    act = _act(said)
    reason = said.reason.strip() or "our policy does not allow it"
    why = _end(reason)
    because = _because(reason)
    if voice == "terse":
        return _pick(
            rng,
            (
                f"Sorry, can't {act}: {why}",
                f"Can't {act} — {why} Anything else?",
                f"Unable to {act}, {_end(because)}",
            ),
        )
    if voice == "warm":
        return _pick(
            rng,
            (
                f"I'm so sorry, and I completely understand how frustrating this must be. "
                f"Unfortunately, I'm not able to {act}, {_end(because)} I really wish I had "
                f"better news for you! Is there anything else I can help you with today?",
                f"Thank you for your patience, and I'm really sorry to disappoint you — I can't "
                f"{act}: {why} I know that's not the answer you were hoping for. If there's "
                f"anything else I can do for you, I'd be more than happy to help. 🙏",
                f"I completely understand why you'd want that, and I'm sorry I can't help with it "
                f"this time. I'm unable to {act} {_end(because)} Please don't hesitate to let me "
                f"know if there's anything else I can do for you!",
            ),
        )
    if voice in ("bullets", "numbered"):
        return _refuse_as_list(act, why, voice, rng)
    return _refuse_in_two_parts(act, why, because, voice, rng)


def _refuse_as_list(act: str, why: str, voice: str, rng: random.Random) -> str:
    """Bullets or numbered: the refusal and its reason as list lines."""
    if voice == "bullets":
        return _pick(
            rng,
            (
                f"I'm sorry, but I can't {act}.\n\n**Reason:** {why}\n\n"
                f"Is there anything else I can help with?",
                f"**Unable to {act}**\n\n"
                + _bullets([f"**Why:** {why}", "**Exceptions:** none — this rule is firm."])
                + "\n\nAnything else I can do for you?",
                f"**Request declined:** I can't {act}.\n{_bullets([why])}\n\n"
                f"Let me know if there's anything else I can help with.",
            ),
        )
    return _pick(
        rng,
        (
            f"I'm sorry, but I can't {act}. Here's why:\n"
            + _numbered([f"Reason: {why}", "That rule is firm, so I can't make an exception."])
            + "\n\nIs there anything else I can help you with?",
            "Here's where things stand:\n"
            + _numbered(
                [
                    f"You asked me to {act}.",
                    f"I'm unable to do that: {why}",
                    "If there's anything else you need, I'm happy to help.",
                ]
            ),
            "Unfortunately:\n"
            + _numbered([f"I can't {act}.", f"The reason: {why}"])
            + "\n\nAnything else I can help with?",
        ),
    )


def _refuse_in_two_parts(act: str, why: str, because: str, voice: str, rng: random.Random) -> str:
    """A recap, then a closing question (summary_question); the refusal, two questions."""
    if voice == "summary_question":
        recap = _pick(
            rng,
            (
                f"To sum up: I'm unable to {act}, {_end(because)}",
                f"Here's a quick summary: I looked into it, and I can't {act}: {why}",
                f"Quick recap: I'm sorry, but I can't {act} — {why}",
            ),
        )
        question = _pick(
            rng,
            (
                "Is there anything else I can help you with?",
                "Is there anything else you need?",
                "Can I help you with anything else?",
            ),
        )
        return f"{recap}\n\n{question}"
    return _pick(
        rng,
        (
            f"I'm sorry, but I can't {act}: {why} Does that make sense? And is there anything "
            f"else I can help you with?",
            f"Unfortunately I'm not able to {act}, {_end(because)} Is that clear? Is there "
            f"something else I can do for you?",
            f"I can't {act} — {why} Any questions about that? Or anything else I can help with?",
        ),
    )


# ----------------------------------------------------------------------------- clarify


def _clarify(said: Said, voice: str, rng: random.Random) -> str:
    options = [option for option in said.options if option.strip()]
    if not options:
        return _pick(
            rng,
            (
                "Could you tell me which one you mean?",
                "Which one do you mean, exactly?",
                "I found more than one match. Which one is it?",
            ),
        )
    sep = "; " if any("," in option for option in options) else ", "
    either = _join(options, "or", sep)
    both = _join(options, "and", sep)
    n = len(options)
    all_ = "both" if n == 2 else "all"
    if voice == "terse":
        return _pick(
            rng,
            (
                f"Which one: {either}?",
                f"Which do you mean — {either}?",
                f"{_cap(_count(n))} matches: {both}. Which one?",
            ),
        )
    if voice == "warm":
        return _pick(
            rng,
            (
                f"Thanks so much for your patience! I found more than one possible match, and I "
                f"want to make sure I get the right one for you: {both}. Which one did you have "
                f"in mind? 😊",
                f"I completely understand — let's make sure we pick the right one! I see a few "
                f"possibilities: {either}. Could you let me know which one you mean?",
                f"Happy to help with this! Just so I don't mix anything up, could you tell me "
                f"which of these you mean: {either}?",
            ),
        )
    if voice == "bullets":
        items = _bullets(options)
        return _pick(
            rng,
            (
                f"I found more than one match:\n{items}\n\nWhich one do you mean?",
                f"**Which one do you mean?**\n{items}",
                f"**Possible matches:**\n{items}\n\nCould you tell me which one it is?",
            ),
        )
    if voice == "numbered":
        items = _numbered(options)
        return _pick(
            rng,
            (
                f"I found {_count(n)} possible matches:\n{items}\n\nWhich one do you mean?",
                f"Which of these do you mean?\n{items}",
                f"There's more than one possibility here:\n{items}\n\n"
                f"Could you let me know which one?",
            ),
        )
    if voice == "summary_question":
        recap = _pick(
            rng,
            (
                f"Here's a quick summary: I found {_count(n)} possible matches — {both} — and "
                f"I don't want to guess.",
                f"To recap: there's more than one match ({both}), so I need you to pick one.",
                f"Quick summary: {both} {all_} match, and I want to act on the right one.",
            ),
        )
        question = _pick(rng, ("Which one do you mean?", "Which one is it?", "Which should I use?"))
        return f"{recap}\n\n{question}"
    style = rng.randrange(3)
    if style == 2 or n == 1:
        return f"Which one do you mean? Is it {either}?"
    ask, last = ("Do you mean {}?", "Or {}?") if style == 0 else ("Is it {}?", "Or is it {}?")
    questions = [ask.format(options[0])]
    questions += [ask.format(option) for option in options[1:-1]]
    questions.append(last.format(options[-1]))
    return " ".join(questions)


# ----------------------------------------------------------------------------- other

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _other(said: Said, voice: str, rng: random.Random) -> str:
    text = said.original.strip()
    if not text:
        return _pick(
            rng,
            (
                "Is there anything else I can help you with?",
                "How can I help you further?",
                "Let me know what else I can do for you.",
            ),
        )
    sentences = _SENTENCE_BREAK.split(text)
    if voice == "warm":
        if text.endswith("?"):
            if text.lower().startswith("thank"):
                return text
            opener = _pick(
                rng,
                (
                    "Thanks for letting me know.",
                    "Thank you for reaching out!",
                    "Thanks so much for getting in touch.",
                ),
            )
            return f"{opener} {text}"
        closing = _pick(
            rng,
            (
                "Thank you so much for your patience!",
                "I really appreciate your understanding. 😊",
                "Please don't hesitate to reach out if you need anything else.",
            ),
        )
        return f"{text} {closing}"
    if voice == "bullets" and len(sentences) > 1:
        return _bullets(sentences)
    if voice == "numbered" and len(sentences) > 1:
        return _numbered(sentences)
    if voice == "summary_question" and len(sentences) > 1 and sentences[-1].endswith("?"):
        return " ".join(sentences[:-1]) + "\n\n" + sentences[-1]
    return text


# ----------------------------------------------------------------------------- render

_RENDERERS: dict[str, Callable[[Said, str, random.Random], str]] = {
    "ask": _ask,
    "propose": _propose,
    "tell": _tell,
    "refuse": _refuse,
    "clarify": _clarify,
    "other": _other,
}


def render(said: Said, voice: str, rng: random.Random) -> str:
    """The message in that voice. Deterministic given rng's state."""
    if voice not in VOICES:
        raise ValueError(f"unknown voice {voice!r}; expected one of {', '.join(VOICES)}")
    renderer = _RENDERERS.get(said.kind)
    if renderer is None:
        raise ValueError(f"unknown kind {said.kind!r}; expected one of {', '.join(KINDS)}")
    text = renderer(said, voice, rng).strip()
    return text or (said.original.strip() or "Is there anything else I can help you with?")
