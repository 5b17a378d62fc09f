"""Tests for the simulated user's language understanding and answer paraphrases (core.nlu)."""

from __future__ import annotations

import json
import random
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from utility_gym.core.nlu import (
    ACT_KINDS,
    DEFAULT_LEXICON,
    MAX_ACT_CHARS,
    MAX_GROUNDING_CHARS,
    SLOT_LABELS,
    TEMPLATE_PLACEHOLDERS,
    USER_TEMPLATES,
    Act,
    Grounding,
    Lexicon,
    Reading,
    extract_grounding,
    render_user,
    understand,
)
from utility_gym.core.nlu import dispatch as nlu_dispatch
from utility_gym.core.nlu import markers as nlu_markers
from utility_gym.core.nlu import reading as nlu_reading
from utility_gym.core.nlu import triggers as nlu_triggers
from utility_gym.envs.customer_service.lexicon import LEXICON as CS_LEXICON
from utility_gym.envs.ticketing.lexicon import LEXICON as IT_LEXICON
from utility_gym.envs.web_shop.lexicon import ACTION_PATTERNS as SHOP_ACTIONS
from utility_gym.envs.web_shop.lexicon import LEXICON as SHOP_LEXICON
from utility_gym.envs.web_shop.lexicon import SLOT_PATTERNS as SHOP_SLOTS

CORPUS_PATH = Path(__file__).parent / "data" / "agent_utterances.jsonl"

# The corpus mixes the three domains' conversations: it is read with all their words at once.
LEXICON = CS_LEXICON.extend(
    IT_LEXICON.slot_patterns,
    IT_LEXICON.action_patterns,
    IT_LEXICON.id_slots,
    IT_LEXICON.item_actions,
    IT_LEXICON.labels,
)
LEXICON = LEXICON.extend(
    SHOP_SLOTS,
    SHOP_ACTIONS,
    SHOP_LEXICON.id_slots,
    SHOP_LEXICON.item_actions,  # not per-dimension options
    SHOP_LEXICON.labels,
)
DOMAIN_LEXICONS = {
    "ticketing": IT_LEXICON,
    "customer_service": CS_LEXICON,
}  # lines only one domain says ("a replacement" laptop)
SLOTS = tuple(LEXICON.slot_patterns)
ACTIONS = tuple(LEXICON.action_patterns)


def read(text: object, lexicon: Lexicon | None = None) -> Reading:
    return understand(text, lexicon or LEXICON)  # type: ignore[arg-type]


def _load_corpus() -> list[dict]:
    cases = []
    for line_no, line in enumerate(CORPUS_PATH.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            case = json.loads(line)
            case["line"] = line_no
            cases.append(case)
    return cases


CORPUS = _load_corpus()


def _target(act: Act) -> str | None:
    return act.slot if act.kind == "request" else act.action


def _show(reading: Reading) -> list[tuple[str, str | None]]:
    return [(a.kind, _target(a)) for a in reading.acts]


# --------------------------------------------------------------------------------------------
# Corpus: every labelled agent utterance must be read as labelled
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CORPUS, ids=[f"line{c['line']}" for c in CORPUS])
def test_corpus_utterance(case: dict) -> None:
    reading = read(case["text"], DOMAIN_LEXICONS.get(case.get("domain", "")))
    want = [(kind, target) for kind, target in case["acts"]]
    want_kinds = {kind for kind, _ in want}
    got_kinds = {a.kind for a in reading.acts}
    context = f"{case['text']!r} read as {_show(reading)}"
    if case.get("exact", True):
        assert got_kinds == want_kinds, context
        want_slots = {t for k, t in want if k == "request" and t}
        got_slots = {a.slot for a in reading.acts if a.kind == "request"}
        assert got_slots == want_slots, context
    else:
        assert want_kinds <= got_kinds, context
    for kind, target in want:
        if target is not None:
            assert any(a.kind == kind and _target(a) == target for a in reading.acts), (
                f"missing {kind}({target}): {context}"
            )
    assert list(reading.grounding.ids) == case["ids"], context
    assert list(reading.grounding.amounts) == [float(x) for x in case["amounts"]], context
    if "question" in case:
        assert reading.is_question is case["question"], context


def test_corpus_is_large_and_covers_the_inventory() -> None:
    assert len(CORPUS) >= 170
    kinds: Counter[str] = Counter()
    slots: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    for case in CORPUS:
        assert isinstance(case["text"], str) and case["text"].strip()
        assert isinstance(case["ids"], list) and isinstance(case["amounts"], list)
        for kind in {k for k, _ in case["acts"]}:
            kinds[kind] += 1
        for kind, target in case["acts"]:
            assert kind in ACT_KINDS, case
            if target is None:
                continue
            if kind == "request":
                assert target in SLOTS, case
                slots[target] += 1
            else:
                assert kind in ("confirm", "inform", "offer", "refuse"), case
                assert target in ACTIONS, case
                actions[target] += 1
    assert len({c["text"] for c in CORPUS}) == len(CORPUS), "duplicate utterances"
    assert {k: kinds[k] for k in ACT_KINDS if kinds[k] < 3} == {}
    assert {s: slots[s] for s in SLOTS if slots[s] < 3} == {}
    assert {a: actions[a] for a in ACTIONS if actions[a] < 2} == {}


# --------------------------------------------------------------------------------------------
# Act semantics the rule-based customer depends on
# --------------------------------------------------------------------------------------------


def test_negation_wins_over_outcome() -> None:
    assert _show(read("I cannot cancel this order")) == [("refuse", "cancel")]
    reading = read("This order cannot be cancelled because it has already been shipped.")
    assert reading.kinds == {"refuse"}
    assert "cancel" in reading.actions("refuse")


def test_confirm_your_slot_is_a_request_not_a_confirmation() -> None:
    assert _show(read("Can you confirm your email?")) == [("request", "email")]
    assert _show(read("Can you confirm the new address is 12 Elm St, Austin TX 78701?")) == [
        ("confirm", "change_address")
    ]


def test_several_requests_come_out_in_order() -> None:
    reading = read("To verify your identity, please provide your full name, email and zip code.")
    assert reading.slots() == ("name", "email", "zip")
    assert reading.is_question


def test_acts_are_in_order_of_appearance() -> None:
    assert _show(read("Done! Anything else?")) == [("inform", None), ("ask_more", None)]
    assert [
        a.kind for a in read("Thanks! Your order #W1003 has been cancelled. Anything else?").acts
    ] == [
        "thank",
        "inform",
        "ask_more",
    ]


def test_summary_then_go_ahead_is_one_proposal() -> None:
    text = (
        "Here's what I'll do:\n- Cancel order #W1001\n- Refund $52.10 to your Visa\n\nShall I "
        "proceed?"
    )
    reading = read(text)
    assert reading.kinds == {"confirm"}
    assert reading.actions("confirm") == ("cancel", "refund")
    assert reading.grounding.ids == ("W1001",) and reading.grounding.amounts == (52.1,)


def test_alternative_after_refusal_is_an_offer() -> None:
    reading = read(
        "I can't cancel it since it has shipped. Would you like me to start a return instead?"
    )
    assert reading.kinds == {"refuse", "offer"}
    assert reading.actions("refuse") == ("cancel",) and reading.actions("offer") == ("return",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please provide your email", True),
        ("Let me know your zip code", True),
        ("what's your order number", True),
        ("Shall I go ahead", True),
        ("Your order has been cancelled.", False),
        ("Have a great day!", False),
        ("One moment while I check.", False),
        ("Just a moment please.", False),
    ],
)
def test_is_question(text: str, expected: bool) -> None:
    assert read(text).is_question is expected


def test_every_act_kind_and_target_is_from_the_inventory() -> None:
    for case in CORPUS:
        for act in read(case["text"]).acts:
            assert act.kind in ACT_KINDS
            if act.kind == "request":
                assert act.slot in SLOTS and act.action is None
            else:
                assert act.slot is None
                assert act.action is None or act.action in ACTIONS
                assert act.action is None or act.kind in ("confirm", "inform", "offer", "refuse")


def test_reading_is_deterministic_and_cached_forms_are_shared() -> None:
    text = "Sorry, I can't cancel that. Would you like store credit instead?"
    first = read(text)
    assert read(text) is first  # served from the reading memo
    assert nlu_reading._understand(text, LEXICON) == first  # and the memo agrees with a fresh read
    assert LEXICON._dispatch() is LEXICON._dispatch()


def test_reading_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    lex = DEFAULT_LEXICON.extend()
    monkeypatch.setattr(nlu_reading, "MEMO_SIZE", 8)
    for i in range(50):
        read(f"Could you give me your email address? ({i})", lex)
    assert len(lex._memo) <= 8
    read("x" * (MAX_ACT_CHARS + 1), lex)  # long messages are not kept
    assert all(len(k) <= MAX_ACT_CHARS for k in lex._memo)


# --------------------------------------------------------------------------------------------
# Grounding: typed values, hand-computed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("The total is $1,234.50.", (1234.5,)),
        ("That's USD 12 plus 12.5 dollars.", (12.0, 12.5)),
        ("A refund of \u00a323.40, then $5 and $5.00 again.", (23.4, 5.0)),
        ("Fee: US$ 20; credit 1.234,50 \u20ac; voucher \u20ac15.", (20.0, 1234.5, 15.0)),
        ("Rounded: USD 12.345", (12.35,)),
        ("$0.99 only", (0.99,)),
        ("No money here: 2 items, order #W1001.", ()),
    ],
)
def test_amounts(text: str, amounts: tuple[float, ...]) -> None:
    assert extract_grounding(text).amounts == amounts


def test_id_formats_are_normalized() -> None:
    text = (
        "Orders #W1001, W1002 and #1001; w1003 too. Tickets INC0012345, REQ0001234, TKT-123. "
        "Employee EMP-0042 has asset AST-00123; product SKU-12345. Also order 55512."
    )
    assert extract_grounding(text).ids == (
        "W1001",
        "W1002",
        "1001",
        "W1003",
        "INC0012345",
        "REQ0001234",
        "TKT-123",
        "EMP-0042",
        "AST-00123",
        "SKU-12345",
        "55512",
    )


def test_zip_id_year_amount_and_phone_are_told_apart() -> None:
    g = extract_grounding(
        "Ship to 90210 (or 02134-1234) by 2026; order #W12345 for $12345.00; call 555-123-4567 or "
        "(555) 987-6543. "
        "Ticket 42, Visa ending 4242, 2 items, quantity 3."
    )
    assert g.zips == ("90210", "02134")
    assert g.ids == ("W12345",)
    assert g.amounts == (12345.0,)
    assert g.numbers == (2026, 42, 4242, 2, 3)


def test_keyword_numbers_are_ids_not_zips() -> None:
    g = extract_grounding("Your order number 12345 ships to zip 54321.")
    assert g.ids == ("12345",)
    assert g.zips == ("54321",)


@pytest.mark.parametrize(
    "text",
    [
        "It arrives 2026-11-28.",
        "It arrives Nov 28, 2026.",
        "It arrives November 28th, 2026.",
        "It arrives 28 November 2026.",
        "It arrives on the 28th of November 2026.",
        "It arrives 11/28/2026.",
        "It arrives 28/11/2026.",
    ],
)
def test_date_formats(text: str) -> None:
    g = extract_grounding(text)
    assert g.dates == ("2026-11-28",)
    assert 28 not in g.numbers and 2026 not in g.numbers


def test_dates_are_deduplicated_and_validated() -> None:
    g = extract_grounding(
        "Placed 11/02/2026, shipped Nov 4, 2026, delivered 2026-11-04. Not a date: 2026-02-30, "
        "13/13/2026."
    )
    assert g.dates == ("2026-11-02", "2026-11-04")


def test_emails_are_lowercased_and_ordered() -> None:
    g = extract_grounding(
        "Write to John.Doe+tag@Example.co.uk. or ops@acme.io; not a@b, not @handle."
    )
    assert g.emails == ("john.doe+tag@example.co.uk", "ops@acme.io")
    assert g.ids == () and g.zips == ()


def test_numbers_skip_list_markers_units_and_values() -> None:
    g = extract_grounding(
        "1. Add 2 items\n2. Pick the 64GB model\n3. Pay $5 at 10:30 for 3 licenses"
    )
    assert g.numbers == (2, 3)
    assert g.amounts == (5.0,)


def test_grounding_of_empty_and_plain_text() -> None:
    assert extract_grounding("") == Grounding()
    assert extract_grounding("Have a great day!") == Grounding()


# --------------------------------------------------------------------------------------------
# Robustness: never raise, bounded work
# --------------------------------------------------------------------------------------------

ODD_INPUTS = [
    "",
    " ",
    "\n\n\t",
    "\x00",
    "order\x00#W1001\x00cancel\x00",
    "\u202eplease confirm your email\u202c",
    "\u0645\u0631\u062d\u0628\u0627\u060c \u0643\u064a\u0641 \u064a\u0645\u0643\u0646\u0646\u064a "
    "\u0645\u0633\u0627\u0639\u062f\u062a\u0643\u061f",
    "\u05e9\u05dc\u05d5\u05dd! \u05de\u05d4 \u05de\u05e1\u05e4\u05e8 "
    "\u05d4\u05d4\u05d6\u05de\u05e0\u05d4?",
    "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f\u031e\u0320\u034d A\u036b\u0357\u0334\u0362\u0335\u031c\u0330\u0354 L\u0368\u0367\u0369\u0358\u0320 G\u0311\u0357\u030e\u0305\u035b\u0341\u0334\u033b\u0348\u034d\u0354\u0339 O",  # noqa: E501
    "e\u0301mail? ca\u0301ncel",
    "\U0001f600\U0001f44b\u2705\u2714\ufe0f" * 50,
    "\ud800\udfff lone surrogates \udc00",
    "\ufeffHello\u200b\u200d there",
    "\uff37\uff11\uff10\uff10\uff11\uff1f",
    "ß İstanbul \u0130\u0131 ﬁle",
    "'; DROP TABLE orders; --",
    "Robert'); DROP TABLE Students;-- please confirm your email",
    "1 OR 1=1; SELECT * FROM users WHERE email='' OR ''='';",
    "<script>alert('cancel')</script>",
    "((((((((((((((((((((((((((((((",
    "\\\\\\ [[[ ]]] {{{ }}} $$$ ^^^ ***",
    "{slot} {0} %s %(x)s {value!r}",
    "?" * 5000,
    "." * 5000,
    "- " * 3000,
    "#" * 3000 + "W1001",
    "W" + "1" * 5000,
]


@pytest.mark.parametrize("text", ODD_INPUTS, ids=[f"odd{i}" for i in range(len(ODD_INPUTS))])
def test_odd_input_never_raises(text: str) -> None:
    # The private entry point has no safety net, so a bug would surface here.
    reading = nlu_reading._understand(text, LEXICON)
    assert isinstance(reading, Reading) and isinstance(reading.is_question, bool)
    assert all(a.kind in ACT_KINDS for a in reading.acts)
    assert read(text) == reading


def test_empty_message() -> None:
    assert read("") == Reading((), Grounding(), False)


def test_non_string_input_does_not_raise() -> None:
    assert read(None) == Reading((), Grounding(), False)  # type: ignore[arg-type]
    assert isinstance(read(12345), Reading)  # type: ignore[arg-type]
    assert extract_grounding(None) == Grounding()  # type: ignore[arg-type]


def test_sql_injection_text_is_just_text() -> None:
    reading = read("Robert'); DROP TABLE Students;-- Could you give me your email address?")
    assert reading.slots() == ("email",)


def test_long_message_reads_only_the_head_for_acts() -> None:
    head = "Hello! Your order #W1001 has been cancelled. "
    filler = "lorem ipsum dolor sit amet " * 4000  # > 100 KB in total
    tail = "Could you give me your email address? Order #W9999."
    text = head + filler + tail
    assert len(text) > 100_000
    reading = read(text)
    assert reading.kinds == {"greet", "inform"}
    assert reading.grounding.ids == ("W1001",)  # "#W9999" lies beyond MAX_GROUNDING_CHARS
    assert len(head) < MAX_ACT_CHARS < MAX_GROUNDING_CHARS < len(text)


PATHOLOGICAL = {
    "spaces_after_keyword": "order" + " " * 50_000 + "x",
    "digits": "1" * 100_000,
    "at_signs": "@" * 100_000,
    "email_like": ("a" * 60 + "@") * 1600,
    "dollar_commas": "$" + "1," * 50_000,
    "month_names": "Nov " * 25_000,
    "newline_bullets": "\n- " * 33_000,
    "commas_but": ", but" * 20_000,
    "dense_values": "Order #W1001 for $52.10 on 2026-11-28, email a@b.com, zip 90210. " * 1500,
    "repeated_request": "please confirm your email address and the order number " * 2000,
    "one_word": "a" * 100_000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_finish(name: str) -> None:
    text = PATHOLOGICAL[name]
    reading = nlu_reading._understand(text, LEXICON)
    assert isinstance(reading, Reading)
    assert len(reading.acts) <= 2 * len(ACT_KINDS) + len(SLOTS) + 4 * len(ACTIONS)


def test_fuzz_never_raises() -> None:
    rng = random.Random(20261128)
    pieces = [c["text"] for c in CORPUS] + ODD_INPUTS
    alphabet = (
        string.printable
        + "\u2019\u201c\u2014\u2022\u00a0\u0301\u202e\u0645\u05e9\U0001f600\x00#$\u20ac@"
    )
    for _ in range(300):
        parts = []
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.6:
                src = rng.choice(pieces)
                a = rng.randrange(len(src) + 1)
                parts.append(src[a : a + rng.randint(0, 120)])
            else:
                parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))))
        text = "".join(parts)
        reading = nlu_reading._understand(text, LEXICON)
        assert all(a.kind in ACT_KINDS for a in reading.acts)
        assert all(a.slot is None or a.slot in SLOTS for a in reading.acts)
        assert all(a.action is None or a.action in ACTIONS for a in reading.acts)


# --------------------------------------------------------------------------------------------
# Lexicon extension
# --------------------------------------------------------------------------------------------


def test_extend_adds_slots_and_actions_without_touching_the_default() -> None:
    lex = DEFAULT_LEXICON.extend(
        slot_patterns={"ticket_id": (r"ticket (?:number|id|#)", r"incident (?:number|id)")},
        action_patterns={"reboot": r"reboot[a-z]*|restart[a-z]*"},
    )
    assert isinstance(lex, Lexicon) and lex is not DEFAULT_LEXICON
    assert "ticket_id" not in DEFAULT_LEXICON.slot_patterns
    assert read("What's your ticket number?", lex).slots() == ("ticket_id",)
    assert read("What's your ticket number?", DEFAULT_LEXICON).slots() == ()
    assert _show(read("Shall I reboot the server?", lex)) == [("confirm", "reboot")]
    assert _show(read("I've restarted the VM.", lex)) == [("inform", "reboot")]
    # Existing keys get extra fragments; the default still reads as before.
    lex2 = DEFAULT_LEXICON.extend(slot_patterns={"email": "inbox"})
    assert read("What's your inbox?", lex2).slots() == ("email",)
    assert lex2.slot_patterns["email"][:-1] == DEFAULT_LEXICON.slot_patterns["email"]
    assert lex._dispatch() is lex._dispatch()


def test_extend_rejects_a_bad_fragment_early() -> None:
    with pytest.raises(re.error):
        DEFAULT_LEXICON.extend(slot_patterns={"broken": ("(unclosed",)})


def test_trigger_keys_cover_every_default_pattern() -> None:
    # A pattern without trigger keys would be scanned everywhere (correct, but slow).
    tables = (
        list(nlu_markers._MARKER_TABLE)
        + list(DEFAULT_LEXICON._slot_table)
        + list(DEFAULT_LEXICON._action_table)
    )
    assert [name for name, gated in tables if gated.keys is None] == []
    gated = nlu_dispatch._Gated(re.compile(r"(?:ok(?:ay)? to|'re|hi\s+there)"))
    assert gated.keys == frozenset({"ok", "okay", "re", "hi"})
    assert gated.lead  # "'re" starts on punctuation
    assert nlu_triggers.trigger_keys(r"x*") is None  # can match the empty string: no keys


@pytest.mark.parametrize(
    ("pattern", "keys"),
    [
        (r"cancel+(?:s|ed)?", {"canc"}),  # four characters are enough
        (r"ok(?:ay)? to|i'm", {"ok", "okay", "i"}),  # a token that ends early is its own key
        (r"(?<!an )emails?(?! address)", {"emai"}),  # lookarounds only narrow the match
        (r"\b(?:po|invoice) (?:number|#)", {"po", "invo"}),
        (r"licen[cs]e", {"lice"}),
        (r"[a-c]\d", {f"{c}{d}" for c in "abc" for d in "0123456789"}),
        (r"x{2,3}y|z{,1}q", {"xxy", "xxxy", "q", "zq"}),
        (r"(?P<n>hi)\s+there", {"hi"}),
        (r"(?i:yes)|(?>no)|(?#comment)ya", {"yes", "no", "ya"}),
        (r"a{}|\{b", {"a", "b", nlu_triggers.PUNCT_LEAD}),  # "{}" is a literal; "\{" punctuation
        (r"\$\d", {*"0123456789", nlu_triggers.PUNCT_LEAD}),
        (r"aa+?b", {"aab", "aaab", "aaaa"}),
    ],
)
def test_trigger_keys_read_the_lexicon_syntax(pattern: str, keys: set[str]) -> None:
    assert nlu_triggers.trigger_keys(pattern) == frozenset(keys)


@pytest.mark.parametrize(
    "pattern",
    [
        r"x*",
        r".bc",
        r"\wbc",
        r"[^x]bc",
        r"[\x00-\x7f]bc",
        r"(a)\1",
        r"(?x) a b",
        r"(?(1)a|b)",
        r"\u00e9",
    ],
)
def test_trigger_keys_give_up_where_a_start_is_unbounded(pattern: str) -> None:
    # Empty matches, wide classes, backreferences and syntax outside the subset: scanned
    # everywhere (correct, only slower), never a wrong key.
    assert nlu_triggers.trigger_keys(pattern) is None


# --------------------------------------------------------------------------------------------
# The user's side: paraphrase bank
# --------------------------------------------------------------------------------------------

REQUIRED_TEMPLATE_KEYS = (
    "inform_slot",
    "dont_know",
    "affirm",
    "deny",
    "deny_correct",
    "thanks_bye",
    "thanks_next",
    "give_up",
    "repeat_request",
    "acknowledge",
    "accept_refusal",
    "push_back",
    "already_said",
    "clarify_unknown",
    "accept_offer",
    "decline_offer",
    "wait_ack",
    "deny_value",
    "ask_what",
    "ask_detail",
    "choose",
    "ask_reason",
    "no_preference",
)
SAMPLE_VALUES = {
    "slot_label": "zip code",
    "value": "90210",
    "request": "I need to return a kettle.",
    "reference": "the address I gave you last time",
    "correction": "the refund should go to my store credit",
    "said": "original card",
    "detail": "where will the refund go",
    "choice": "the store credit",
}


def test_every_template_key_has_paraphrases() -> None:
    assert set(REQUIRED_TEMPLATE_KEYS) <= set(USER_TEMPLATES)
    assert set(USER_TEMPLATES) == set(TEMPLATE_PLACEHOLDERS)
    for key, templates in USER_TEMPLATES.items():
        assert len(templates) >= 4, key
        assert len(set(templates)) == len(templates), key


@pytest.mark.parametrize("key", sorted(USER_TEMPLATES))
def test_templates_format_with_their_documented_placeholders(key: str) -> None:
    documented = set(TEMPLATE_PLACEHOLDERS[key])
    for template in USER_TEMPLATES[key]:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        assert fields <= documented, (key, template)
        text = template.format(**{k: SAMPLE_VALUES[k] for k in documented})
        assert text.strip() and "{" not in text
    for name in documented:  # each documented placeholder is used by some paraphrase
        assert any("{" + name + "}" in t for t in USER_TEMPLATES[key]), (key, name)


def test_render_user_is_deterministic_for_a_seeded_rng() -> None:
    def draws(seed: int) -> list[str]:
        rng = random.Random(seed)
        return [
            render_user(key, rng, **SAMPLE_VALUES)
            for key in REQUIRED_TEMPLATE_KEYS
            for _ in range(3)
        ]

    assert draws(7) == draws(7)
    assert draws(7) != draws(8)
    rng = random.Random(0)
    assert len({render_user("affirm", rng) for _ in range(60)}) >= 4


def test_render_user_derives_the_slot_label_and_rejects_unknown_keys() -> None:
    text = render_user("dont_know", random.Random(3), slot="zip")
    assert "zip code" in text
    with pytest.raises(KeyError):
        render_user("no_such_key", random.Random(0))
    with pytest.raises(KeyError):
        render_user("inform_slot", random.Random(0), value="x")  # slot_label missing


def test_slot_labels_cover_every_slot() -> None:
    assert all(slot in LEXICON.labels or slot in SLOT_LABELS for slot in SLOTS)
    assert SLOT_LABELS["zip"] == "zip code"
    assert all(label and label == label.strip() for label in SLOT_LABELS.values())
