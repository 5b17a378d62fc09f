"""How the Ticketing heuristic reads a request: keyword tables, and the rules that classify
a caller's request and read its impact, urgency, category and search words.

Pure functions of text (and of search hits): no state, no tool calls.
"""

from __future__ import annotations

import re

from utility_gym.agents.text import has_any

EMPLOYEE_ID = re.compile(r"\b(E\d{5})\b")
TICKET_NUMBER = re.compile(r"\b((?:INC|REQ)\d{7})\b")
ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
_WORD = re.compile(r"[a-z0-9]+")

AFFIRM = (
    "yes",
    "yep",
    "sure",
    "go ahead",
    "please do",
    "proceed",
    "go for it",
    "that's correct",
    "that works",
)
BYE = (
    "that's all",
    "that is all",
    "bye",
    "nothing else",
    "that's everything",
    "all i needed",
    "sorts it",
)
STOP = frozenset(
    "a an and are as at be but by can cant could do does dont for from has have how i im in is it "
    "its me my not of on or "
    "our so that the this to was we what when where which why will with you your just any all "
    "keeps keep get gets got "
    "since after again over there their them they some can't won't don't isn't i'm it's please "
    "help hi hello hey there "
    "good morning anyone someone something looked look raised ticket little while ago far "
    "know only no".split()
)

SECURITY = (
    "clicked a link",
    "typed my password into",
    "phishing",
    "left my work laptop",
    "stolen",
    "it's gone",
    "files are encrypted",
    "pay to get them back",
    "malware",
    "virus",
)
FORBIDDEN = {
    "admin": ("admin rights", "administrator rights", "local admin"),
    "mfa": ("multi-factor", "mfa", "two-factor prompts", "switch off the multi"),
    "mailbox": (
        "colleague's mailbox",
        "someone's mailbox",
        "another person's mailbox",
        "read my colleague",
    ),
}
DEVICES = {
    "laptop": ("laptop",),
    "monitor": ("monitor",),
    "phone": ("work phone", "my phone"),
    "dock": ("docking station", "dock "),
}
FAILURES = (
    "won't turn on",
    "shuts itself off",
    "gone black",
    "bright line",
    "keeps restarting",
    "won't charge",
    "stopped working",
    "no longer charges",
    "dropped",
    "cracked",
    "shattered",
    "knocked off",
    "new one",
    "flickers",
    "won't power on",
    "no power",
)
# A repair order's fault class, by the words of the symptom (first match wins).
FAULTS = (
    ("charging", ("charge",)),
    ("restarting", ("restart",)),
    ("display", ("flicker", "line", "black", "screen")),
    ("no_power", ("turn on", "power", "shuts", "dead")),
)
# Application names callers use: a request naming one is about access.
APP_WORDS = (
    "sap finance",
    "adp payroll",
    "workday",
    "aws production",
    "salesforce",
    "netsuite",
    "tableau",
    "confluence",
    "jira",
    "miro",
    "docusign",
    "github",
    "figma",
)
ASKING = ("need", "and now", "switch it on", "approved", "set up")  # asking for an application
TEAMMATES = re.compile(r"not just me: (.+?) on my team")
# A caller naming the teammate who already reported their problem: that teammate's ticket is the
# parent (a stream may hold several open tickets for one problem).
REPORTER = re.compile(r"\b([A-Z][a-z'-]+ [A-Z][a-z'-]+) on my team reported")
TODAY = re.compile(r"It is (\d{4}-\d{2}-\d{2})")
CATEGORY_WORDS = (
    ("security", ("phishing", "malware", "stolen", "encrypted")),
    (
        "network",
        (
            "vpn",
            "wi-fi",
            "wifi",
            "network",
            "drive",
            "port",
            "internet",
            "wired",
            "connection",
            "mbps",
        ),
    ),
    ("email", ("email", "e-mail", "mailbox", "outlook", "distribution list", "bounce", "calendar")),
    (
        "hardware",
        (
            "docking station",
            "dock",
            "screen",
            "laptop",
            "desk phone",
            "phone",
            "monitor",
            "printer",
            "keyboard",
            "mouse",
            "headset",
        ),
    ),
    (
        "software",
        (
            "erp",
            "licence",
            "license",
            "cad",
            "extension",
            "browser",
            "runtime",
            "excel",
            "teams",
            "zoom",
            "app",
            "software",
        ),
    ),
)
GROUP_FOR = {
    "account": "service-desk",
    "access": "service-desk",
    "hardware": "desktop-support",
    "network": "network",
    "email": "messaging",
    "software": "app-support",
    "security": "security",
}
GROUP_NAMES = {
    "service-desk": "the Service Desk",
    "desktop-support": "Desktop Support",
    "network": "Network Operations",
    "messaging": "Messaging",
    "app-support": "Application Support",
    "identity-access": "Identity and Access",
    "security": "Security Operations",
}


def content_words(text: str) -> set[str]:
    """Content words, crudely stemmed to five letters ("notifies" and "notifications" meet)."""
    return {
        w.removesuffix("s")[:5] for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1
    }


def search_query(text: str, n: int = 8) -> str:
    """Search words: the first content words of the text, unstemmed."""
    seen: list[str] = []
    for w in _WORD.findall(text.lower()):
        if w not in STOP and len(w) > 1 and w not in seen:
            seen.append(w)
    return " ".join(seen[:n])


def article_matches(symptom: str, title: str, body: str) -> bool:
    """Whether a knowledge-base article is about the symptom: two title words, or one and three in
    all."""
    words = content_words(symptom)
    in_title = len(words & content_words(title))
    return in_title >= 2 or (in_title >= 1 and len(words & content_words(title + " " + body)) >= 3)


def symptom_of(text: str) -> str:
    """The first sentence: the problem itself, without the caller's impact and urgency remarks."""
    return re.split(r"(?<=[.!?;])\s", text.strip(), maxsplit=1)[0]


def impact_of(text: str) -> int:
    """Impact the caller describes: 1 everyone (whole, entire, company-wide), 2 several
    people, else 3 (the caller alone)."""
    low = text.lower()
    if has_any(low, ("whole", "everyone in", "entire", "company-wide", "all of us")):
        return 1
    if has_any(
        low, ("few people", "colleagues have", "my team have", "several people", "others have")
    ):
        return 2
    return 3


def urgency_of(text: str, default: int = 2) -> int:
    """Urgency the caller describes: 1 cannot work, 2 slowed down, 3 not urgent, else
    ``default``."""
    low = text.lower()
    if has_any(
        low,
        (
            "can't work at all",
            "cannot work at all",
            "completely blocked",
            "so i'm stuck",
            "can't do any work",
        ),
    ):
        return 1
    if has_any(low, ("work around", "other things", "slowing me down", "workaround")):
        return 2
    if has_any(low, ("not urgent", "no rush", "isn't blocking", "not blocking")):
        return 3
    return default


def category_of(text: str) -> str:
    """The ticket category the words name first (by CATEGORY_WORDS), else software."""
    low = text.lower()
    for category, words in CATEGORY_WORDS:
        if has_any(low, words):
            return category
    return "software"


def classify(text: str) -> str:
    """The kind of request an opening is (the name of the handler that serves it)."""
    low = text.lower()
    if has_any(low, SECURITY):
        return "security"
    if TEAMMATES.search(text):
        return "team"
    if (
        "password" in low
        and has_any(low, ("colleague", "their files", "of my ", "'s password"))
        and not has_any(low, ("my password",))
    ):
        return "colleague"
    for kind, words in FORBIDDEN.items():
        if has_any(low, words):
            return "forbidden_" + kind
    if ("access" in low and not has_any(low, ("can't access", "cannot access"))) or (
        has_any(low, APP_WORDS) and not TICKET_NUMBER.search(text) and has_any(low, ASKING)
    ):
        return "access"
    if TICKET_NUMBER.search(text):
        return "followup"
    if re.search(r"\blocked\b", low):
        return "unlock"
    if "password" in low and has_any(
        low, ("forgot", "reset", "expired", "wrong password", "don't remember")
    ):
        return "reset"
    if any(has_any(low, d) for d in DEVICES.values()) and has_any(low, FAILURES):
        return "hardware"
    return "problem"


def is_specific(low: str) -> bool:
    """Whether a closing remark still asks for something more (not just thanks and goodbye)."""
    return (
        has_any(low, ("also", "one more thing", "another", "next,", "something else"))
        and len(low) > 40
    )


def best_hit(symptom: str, hits: list[dict]) -> dict | None:
    """The knowledge-base search hit most about the symptom (by title, then snippet, then
    rank), or None when no title shares a word with it."""
    words = content_words(symptom)
    scored = [
        (
            len(words & content_words(h["title"])),
            len(words & content_words(h.get("snippet", ""))),
            -i,
            h,
        )
        for i, h in enumerate(hits)
    ]
    in_title, in_snippet, _, best = max(scored, key=lambda x: x[:3])
    return best if in_title >= 1 else None
