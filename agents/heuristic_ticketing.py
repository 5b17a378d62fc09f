"""TicketingHeuristicAgent: a policy-following service-desk analyst with no privileged access.

It reads only what a human analyst would: the caller's words (or, in the queue, the tickets and
the requesters' comments), tool results and the policy. Keyword rules classify the request and
read impact and urgency; tool results (warranty dates, approvals, SLA state, search hits) decide
what policy allows; every confirmable action is proposed and confirmed first, and the outcome
is told with the ticket number and the facts the caller needs.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from utility_gym.agents.base import Action, tool_call

_EMPLOYEE = re.compile(r"\b(E\d{5})\b")
_TICKET = re.compile(r"\b((?:INC|REQ)\d{7})\b")
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")
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
_TEAM = re.compile(r"not just me: (.+?) on my team")
# A caller naming the teammate who already reported their problem: that teammate's ticket is the
# parent (a stream may hold several open tickets for one problem).
_REPORTER = re.compile(r"\b([A-Z][a-z'-]+ [A-Z][a-z'-]+) on my team reported")
_TODAY = re.compile(r"It is (\d{4}-\d{2}-\d{2})")
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


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(w in text for w in words)


def _words(text: str) -> set[str]:
    """Content words, crudely stemmed to five letters ("notifies" and "notifications" meet)."""
    return {
        w.removesuffix("s")[:5] for w in _WORD.findall(text.lower()) if w not in STOP and len(w) > 1
    }


def _query(text: str, n: int = 8) -> str:
    """Search words: the first content words of the text, unstemmed."""
    seen: list[str] = []
    for w in _WORD.findall(text.lower()):
        if w not in STOP and len(w) > 1 and w not in seen:
            seen.append(w)
    return " ".join(seen[:n])


def _matches(symptom: str, title: str, body: str) -> bool:
    """Whether a knowledge-base article is about the symptom: two title words, or one and three in
    all."""
    words = _words(symptom)
    in_title = len(words & _words(title))
    return in_title >= 2 or (in_title >= 1 and len(words & _words(title + " " + body)) >= 3)


def _symptom(text: str) -> str:
    """The first sentence: the problem itself, without the caller's impact and urgency remarks."""
    return re.split(r"(?<=[.!?;])\s", text.strip(), maxsplit=1)[0]


def impact_of(text: str) -> int:
    low = text.lower()
    if _has(low, ("whole", "everyone in", "entire", "company-wide", "all of us")):
        return 1
    if _has(
        low, ("few people", "colleagues have", "my team have", "several people", "others have")
    ):
        return 2
    return 3


def urgency_of(text: str, default: int = 2) -> int:
    low = text.lower()
    if _has(
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
    if _has(low, ("work around", "other things", "slowing me down", "workaround")):
        return 2
    if _has(low, ("not urgent", "no rush", "isn't blocking", "not blocking")):
        return 3
    return default


def category_of(text: str) -> str:
    low = text.lower()
    for category, words in CATEGORY_WORDS:
        if _has(low, words):
            return category
    return "software"


class TicketingHeuristicAgent:
    """A rule-based analyst for utility/Ticketing-v1 (a caller on the line) and
    TicketingQueue-v0."""

    name = "heuristic"

    def __init__(self) -> None:
        self.reset()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "domain": "ticketing"}

    def reset(self) -> None:
        self.mode: str | None = None
        self.eid: str | None = None
        self.dob: str | None = None
        self.verified = False
        self.verify_failed = False
        self.apps: list[dict] | None = None
        self.employee: dict | None = None
        self.intent: dict[str, Any] | None = None
        self.pending: dict[str, Any] | None = None
        self.last_user = ""
        self.results: list[tuple[str, Any]] = []
        self.errors: list[str] = []
        self.queue: list[dict] = []
        self.plan: list[Action] = []
        self._current: dict | None = None  # the queued ticket being worked
        self.today: str | None = None  # the world's date, from the policy
        self.opening: str | None = None  # the caller's first words

    # -- protocol ---------------------------------------------------------------------------------
    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if self.mode is None:
            self.mode = "queue" if obs.startswith("system: queue") else "call"
        today = _TODAY.search(str(info.get("policy", "")))
        if today:
            self.today = today.group(1)
        user_text = self._ingest(obs)
        if self.mode == "queue":
            return self._queue_step()
        return self._decide(user_text)

    # -- reading ----------------------------------------------------------------------------------
    def _ingest(self, obs: str) -> str:
        users: list[str] = []
        self.results, self.errors = [], []
        for line in obs.split("\n"):
            if line.startswith("user: "):
                users.append(line[6:])
            elif line.startswith("tool "):
                name, _, payload = line[5:].partition(": ")
                try:
                    result = json.loads(payload)
                except json.JSONDecodeError:
                    result = None
                self.results.append((name, result))
                self._absorb(name, result)
            elif line.startswith("error: "):
                self.errors.append(line[7:])
            elif line.startswith("system: queue ticket "):
                self._queued(line)
        text = " ".join(users)
        if text:
            self.last_user = text
            self.opening = self.opening or text
            m = _EMPLOYEE.search(text)
            if m:
                self.eid = m.group(1)
            dates = _DATE.findall(text)
            if dates:
                self.dob = dates[-1]
        return text

    def _absorb(self, name: str, result: Any) -> None:
        intent = self.intent
        if name == "verify_identity" and isinstance(result, dict) and result.get("verified"):
            self.verified = True
        elif name == "list_applications" and isinstance(result, list):
            self.apps = result
        elif name == "get_employee" and isinstance(result, dict):
            self.employee = result
        if intent is None or not isinstance(result, dict | list):
            return
        intent.setdefault("seen", {})[name] = result
        if name == "create_ticket" and isinstance(result, dict):
            intent["ticket"] = result["id"]
        if name == "get_ticket" and isinstance(result, dict):
            intent.setdefault("tickets", {})[result["id"]] = result

    def _result(self, name: str) -> Any:
        return (self.intent or {}).get("seen", {}).get(name)

    def _just(self, name: str) -> Any:
        for n, r in self.results:
            if n == name:
                return r
        return None

    # -- the live desk
    # ------------------------------------------------------------------------------
    def _decide(self, user_text: str) -> Action:
        low = user_text.lower()
        if self.pending is not None and user_text:
            call, self.pending = self.pending, None
            if _has(low, AFFIRM) and not low.startswith("no"):
                self.intent["confirmed"] = call["name"]
                return call
            self.intent["done"] = True
            return "I understand, I won't do that. Could you tell me what you would like instead?"
        if self.intent is None or self.intent.get("done"):
            if user_text:
                kind = self._classify(user_text)
                if (
                    self.intent is not None
                    and kind == "problem"
                    and _has(low, BYE + ("thank",))
                    and not self._specific(low)
                ):
                    return tool_call("end_conversation")
                self.intent = {"kind": kind, "text": user_text, "done": False}
            elif self.intent is None:
                return "Hello, this is the IT service desk. How can I help?"
            else:
                return tool_call("end_conversation")
        elif user_text:
            self.intent.setdefault("answers", []).append(user_text)
        return getattr(self, f"_do_{self.intent['kind']}")()

    @staticmethod
    def _specific(low: str) -> bool:
        return (
            _has(low, ("also", "one more thing", "another", "next,", "something else"))
            and len(low) > 40
        )

    def _classify(self, text: str) -> str:
        low = text.lower()
        if _has(low, SECURITY):
            return "security"
        if _TEAM.search(text):
            return "team"
        if (
            "password" in low
            and _has(low, ("colleague", "their files", "of my ", "'s password"))
            and not _has(low, ("my password",))
        ):
            return "colleague"
        for kind, words in FORBIDDEN.items():
            if _has(low, words):
                return "forbidden_" + kind
        if ("access" in low and not _has(low, ("can't access", "cannot access"))) or (
            _has(low, APP_WORDS) and not _TICKET.search(text) and _has(low, ASKING)
        ):
            return "access"
        if _TICKET.search(text):
            return "followup"
        if re.search(r"\blocked\b", low):
            return "unlock"
        if "password" in low and _has(
            low, ("forgot", "reset", "expired", "wrong password", "don't remember")
        ):
            return "reset"
        if any(_has(low, d) for d in DEVICES.values()) and _has(low, FAILURES):
            return "hardware"
        return "problem"

    def _text(self) -> str:
        return " ".join([self.intent["text"], *self.intent.get("answers", [])])

    def _finish(self, text: str) -> Action:
        self.intent["done"] = True
        return f"{text} Is there anything else I can help you with?"

    def _urgency(self, default: int) -> int:
        """The urgency the caller stated for this request, else in their opening (one cue for
        a call about several devices or applications), else ``default``."""
        return urgency_of(self.intent["text"], 0) or urgency_of(self.opening or "", default)

    def _propose(self, text: str, call: dict[str, Any]) -> Action:
        self.pending = call
        return text

    def _need_id(self) -> Action | None:
        if self.eid is None:
            return "I can help with that. Could you give me your employee ID, please?"
        return None

    def _ticket_call(
        self, kind: str, category: str, impact: int, urgency: int, short: str
    ) -> dict[str, Any]:
        return tool_call(
            "create_ticket",
            requester_id=self.eid,
            kind=kind,
            category=category,
            impact=impact,
            urgency=urgency,
            short_description=short,
            description=self.intent["text"][:500],
        )

    # account --------------------------------------------------------------------------------------
    def _verify(self) -> Action | None:
        if self.verified:
            return None
        if self.eid is None or self.dob is None:
            return (
                "I can help with that. To verify your identity, could you give me your employee ID "
                "and your date of birth?"
            )
        if self.errors and "NOT verified" in self.errors[0]:
            self.verify_failed = True
        if self.verify_failed:
            return self._finish(
                "I'm sorry, but the details don't match our records, so I couldn't verify your "
                "identity and I can't make "
                "this change. Please come to the IT desk in person with your photo ID."
            )
        return tool_call("verify_identity", employee_id=self.eid, date_of_birth=self.dob)

    def _account(self, action: str, code: str, proposal: str, outcome: str, short: str) -> Action:
        step = self._verify()
        if step is not None:
            return step
        intent = self.intent
        if "ticket" not in intent:
            return self._ticket_call("incident", "account", 3, urgency_of(intent["text"]), short)
        tid = intent["ticket"]
        if intent.get("confirmed") != action and not self._result(action):
            return self._propose(proposal, tool_call(action, ticket_id=tid))
        if not self._result(action):
            return self._finish(
                "I'm sorry, that did not work: "
                f"{self.errors[0] if self.errors else 'unknown error'}."
            )
        if not self._result("resolve_ticket"):
            return tool_call(
                "resolve_ticket",
                ticket_id=tid,
                resolution_code=code,
                public_note=f"{outcome} after identity verification.",
            )
        return self._finish(f"{outcome}. I've logged this as ticket {tid}, now resolved.")

    def _do_reset(self) -> Action:
        return self._account(
            "reset_password",
            "password_reset",
            f"Thank you, you're verified. Shall I reset the password for {self.eid} now? A "
            "one-time link will go to your registered mobile.",
            "Your password has been reset and a one-time link was sent to your registered mobile",
            "Password reset",
        )

    def _do_unlock(self) -> Action:
        return self._account(
            "unlock_account",
            "account_unlocked",
            "Thank you, you're verified. Shall I unlock your account now?",
            "Your account is unlocked; you can sign in again",
            "Account locked out",
        )

    def _do_colleague(self) -> Action:
        return self._finish(
            "I'm sorry, but I can't reset a password for anyone but the account owner; they need "
            "to call "
            "the service desk themselves."
        )

    def _do_forbidden_admin(self) -> Action:
        if not self._result("search_kb"):
            return tool_call("search_kb", query="local administrator rights install software")
        hits = self._result("search_kb")
        if not self._result("get_kb_article") and hits:
            return tool_call("get_kb_article", article_id=hits[0]["id"])
        portal = (
            " You can install approved software yourself from Company Portal, no admin rights "
            "needed."
            if "Company Portal" in json.dumps(self._result("get_kb_article"))
            else ""
        )
        return self._finish(
            "I'm sorry, but I can't give you local administrator rights: our policy never allows "
            f"them.{portal}"
        )

    def _do_forbidden_mfa(self) -> Action:
        return self._finish(
            "I'm sorry, but I can't turn off multi-factor authentication: our policy requires it "
            "on every account."
        )

    def _do_forbidden_mailbox(self) -> Action:
        return self._finish(
            "I'm sorry, but I can't give you access to another person's mailbox; our policy does "
            "not allow it."
        )

    # access ---------------------------------------------------------------------------------------
    def _do_access(self) -> Action:
        step = self._need_id()
        if step is not None:
            return step
        intent = self.intent
        if self.apps is None:
            return tool_call("list_applications")
        if self.employee is None or self.employee.get("employee_id") != self.eid:
            return tool_call("get_employee", employee_id=self.eid)
        app = intent.get("app") or self._wanted_app(intent["text"].lower())
        if app is None:
            return "Which application do you need access to?"
        intent["app"] = app
        name, aid = app["name"], app["application_id"]
        if aid in self.employee.get("access", []) and not self._result("grant_access"):
            return self._finish(f"You already have access to {name}.")
        approved = next(
            (
                p
                for p in self.employee.get("approvals", [])
                if p["application_id"] == aid and p["status"] == "approved"
            ),
            None,
        )
        ref = _TICKET.search(intent["text"])
        tid = (
            intent.get("ticket")
            or (approved or {}).get("ticket_id")
            or (ref.group(1) if ref and approved else None)
        )
        if app["sensitive"] and approved is None:
            return self._approval(app)
        low = intent["text"].lower()
        until = _DATE.search(intent["text"]) if "until" in low else None
        role = "read-only" if _has(low, ("read-only", "read only")) else "user"
        short = f"{'Read-only access' if role == 'read-only' else 'Access'} to {name}"
        if tid is None:
            return self._ticket_call("request", "access", 3, self._urgency(3), short)
        intent["ticket"] = tid
        extra: dict[str, str] = {"role": role} if role != "user" or until else {}
        if until:
            extra["expires_on"] = until.group(1)
        if intent.get("confirmed") != "grant_access" and not self._result("grant_access"):
            why = (
                "your approval is on record"
                if app["sensitive"]
                else f"{name} is a standard application, so no approval is needed"
            )
            what = f"{'read-only ' if role == 'read-only' else ''}access to {name}"
            what += f" until {until.group(1)}" if until else ""
            call = tool_call("grant_access", ticket_id=tid, application_id=aid, **extra)
            return self._propose(f"{why[:1].upper()}{why[1:]}. Shall I grant you {what} now?", call)
        if not self._result("grant_access"):
            return self._finish(
                "I'm sorry, that did not work: "
                f"{self.errors[0] if self.errors else 'unknown error'}."
            )
        if not self._result("resolve_ticket"):
            return tool_call(
                "resolve_ticket",
                ticket_id=tid,
                resolution_code="access_granted",
                public_note=f"{short} granted.",
            )
        return self._finish(
            f"You now have access to {name}. Your request ticket is {tid}, now resolved."
        )

    def _wanted_app(self, low: str) -> dict | None:
        """The first application the request names that the caller does not have yet (else the
        first named)."""
        found = [(low.find(a["name"].lower()), a) for a in self.apps if a["name"].lower() in low]
        named = [a for _, a in sorted(found, key=lambda x: x[0])]
        have = set(self.employee.get("access", [])) if self.employee else set()
        first = named[0] if named else None
        return next((a for a in named if a["application_id"] not in have), first)

    def _approval(self, app: dict) -> Action:
        intent = self.intent
        manager = (self.employee or {}).get("manager") or {}
        if "ticket" not in intent:
            short = f"Access to {app['name']}"
            return self._ticket_call("request", "access", 3, self._urgency(3), short)
        tid = intent["ticket"]
        if intent.get("confirmed") != "request_approval" and not self._result("request_approval"):
            return self._propose(
                f"{app['name']} is sensitive, so your manager, "
                f"{manager.get('name', 'your manager')}, must approve it first. "
                "Shall I send them an approval request?",
                tool_call(
                    "request_approval",
                    ticket_id=tid,
                    application_id=app["application_id"],
                    justification=intent["text"][:300],
                ),
            )
        result = self._result("request_approval")
        if not result:
            return self._finish(
                "I'm sorry, that did not work: "
                f"{self.errors[0] if self.errors else 'unknown error'}."
            )
        return self._finish(
            f"I've sent the approval request to {result['approver']}. Your ticket {tid} is on hold "
            "until they "
            "approve; we'll grant the access as soon as the approval is recorded."
        )

    # hardware
    # ---------------------------------------------------------------------------------------
    def _do_hardware(self) -> Action:
        step = self._need_id()
        if step is not None:
            return step
        intent = self.intent
        if self.employee is None or self.employee.get("employee_id") != self.eid:
            return tool_call("get_employee", employee_id=self.eid)
        low = intent["text"].lower()
        mentions = [(low.find(w), k) for k, words in DEVICES.items() for w in words if w in low]
        kind = min(mentions)[1] if mentions else None
        assets = [
            a
            for a in self.employee.get("assets", [])
            if a["kind"] == kind and a["status"] == "in_use"
        ]
        if not assets and kind is not None:
            # No such device of theirs on record (a shared one): a problem to log and route.
            intent["kind"] = "problem"
            return self._do_problem()
        if len(assets) != 1:
            return self._finish(
                f"I can't find a single {kind or 'device'} in use on your record; I'll need more "
                "details to help."
            )
        asset = assets[0]
        info = self._result("get_asset")
        if not info or info.get("id") != asset["id"]:
            return tool_call("get_asset", asset_id=asset["id"])
        reason = (
            "damage" if info["damage_reports"] else ("warranty" if info["under_warranty"] else None)
        )
        if reason is None and "repair" in low:
            return self._repair(kind, asset, info)
        if reason is None:
            return self._finish(
                f"I'm sorry, but I can't replace your {kind} {asset['id']}: its warranty ended on "
                f"{info['warranty_until']} and there is no damage report on file, so our policy "
                "does not allow a replacement."
            )
        if "ticket" not in intent:
            short = f"{kind.capitalize()} failure"
            return self._ticket_call("incident", "hardware", 3, self._urgency(2), short)
        tid = intent["ticket"]
        where = "home" if self.employee.get("location") == "Remote" else "office"
        if intent.get("confirmed") != "order_replacement" and not self._result("order_replacement"):
            why = "has a damage report on file"
            if reason == "warranty":
                why = f"is under warranty until {info['warranty_until']}"
            call = tool_call(
                "order_replacement",
                ticket_id=tid,
                asset_id=asset["id"],
                reason=reason,
                deliver_to=where,
            )
            return self._propose(
                f"Your {kind} {asset['id']} {why}. Shall I replace your {kind} "
                f"{asset['id']}, delivered to your {where}?",
                call,
            )
        order = self._result("order_replacement")
        if not order:
            return self._finish(
                "I'm sorry, that did not work: "
                f"{self.errors[0] if self.errors else 'unknown error'}."
            )
        if not self._result("assign_ticket"):
            return tool_call("assign_ticket", ticket_id=tid, group="desktop-support")
        return self._finish(
            f"I've ordered the replacement, order {order['order_id']}. Your ticket {tid} is now "
            "with Desktop "
            f"Support, who will swap the {kind} for you."
        )

    def _repair(self, kind: str, asset: dict, info: dict) -> Action:
        """An out-of-warranty device the caller wants repaired: log, propose, book (billed to the
        department on record), route."""
        intent = self.intent
        low = intent["text"].lower()
        # the clause about this device, in a call about several
        parts = re.split(r"[;:]", low)
        clause = next((c for c in parts if _has(c, DEVICES[kind]) and _has(c, FAILURES)), low)
        fault = next((f for f, words in FAULTS if _has(clause, words)), "no_power")
        if "ticket" not in intent:
            short = f"{kind.capitalize()} failure"
            return self._ticket_call("incident", "hardware", 3, self._urgency(2), short)
        tid = intent["ticket"]
        centre = self.employee.get("cost_centre")
        if intent.get("confirmed") != "order_repair" and not self._result("order_repair"):
            call = tool_call(
                "order_repair", ticket_id=tid, asset_id=asset["id"], fault=fault, cost_centre=centre
            )
            return self._propose(
                f"The warranty of your {kind} {asset['id']} ended on {info['warranty_until']}, so "
                "it goes for repair rather than replacement, billed to your department's cost "
                f"centre {centre}. Shall I send your {kind} {asset['id']} for repair?",
                call,
            )
        repair = self._result("order_repair")
        if not repair:
            return self._failed()
        if not self._result("assign_ticket"):
            return tool_call("assign_ticket", ticket_id=tid, group="desktop-support")
        return self._finish(
            f"Your {kind} is booked for repair, repair order {repair['repair_id']} "
            f"(the warranty ended {info['warranty_until']}). Your ticket {tid} is "
            "now with Desktop Support."
        )

    def _failed(self) -> Action:
        why = self.errors[0] if self.errors else "unknown error"
        return self._finish(f"I'm sorry, that did not work: {why}.")

    # existing tickets
    # ---------------------------------------------------------------------------------
    def _do_followup(self) -> Action:
        intent = self.intent
        tid = _TICKET.search(intent["text"]).group(1)
        t = intent.get("tickets", {}).get(tid)
        if t is None:
            if self.errors:
                return self._finish(f"I couldn't find ticket {tid}; could you check the number?")
            return tool_call("get_ticket", ticket_id=tid)
        low = intent["text"].lower()
        group = t.get("assignment_group_name") or t["assignment_group"]
        if t["status"] == "resolved" and _has(low, ("back", "again", "came back", "returned")):
            return self._confirmed_action(
                "reopen_ticket",
                f"Ticket {tid} was resolved recently, so I can reopen it. Shall I reopen {tid} "
                f"and send it back to {group}?",
                tool_call(
                    "reopen_ticket",
                    ticket_id=tid,
                    reason="The requester reports the problem is back.",
                ),
                f"Done: {tid} is reopened and back with {group}.",
            )
        if t["status"] == "new" and t.get("channel") == "self-service":
            return self._link_existing(t)
        if (
            t["status"] in ("new", "assigned", "in_progress", "on_hold")
            and t.get("sla_breached")
            and not t.get("escalated")
        ):
            return self._confirmed_action(
                "escalate_ticket",
                f"I'm sorry about the wait. Ticket {tid} is past its due time. Shall I escalate "
                f"{tid} to the manager of {group}?",
                tool_call(
                    "escalate_ticket",
                    ticket_id=tid,
                    reason="SLA breached; the requester is chasing it.",
                ),
                f"Done: {tid} has been escalated to the manager of {group}, who will follow up "
                "with you.",
            )
        status = t["status"].replace("_", " ")
        due = t["due_at"][:10]
        days = ""
        if self.today:
            days = f", in {(date.fromisoformat(due) - date.fromisoformat(self.today)).days} days"
        return self._finish(
            f"Your ticket {tid} ({t['short_description']}) is {status} with {group}; "
            f"it is due by {due}{days}."
        )

    def _confirmed_action(
        self, name: str, proposal: str, call: dict[str, Any], outcome: str
    ) -> Action:
        if self.intent.get("confirmed") != name and not self._result(name):
            return self._propose(proposal, call)
        if not self._result(name):
            return self._finish(
                "I'm sorry, that did not work: "
                f"{self.errors[0] if self.errors else 'unknown error'}."
            )
        return self._finish(outcome)

    def _link_existing(self, t: dict) -> Action:
        parent = self._parent_for(t["description"] or t["short_description"], exclude=t["id"])
        if isinstance(parent, dict) and "arguments" in parent:
            return parent
        if parent is None:
            return self._finish(
                f"Your ticket {t['id']} is new and waiting for the service desk; it is due by "
                f"{t['due_at'][:10]}."
            )
        if not self._result("link_duplicate"):
            return tool_call("link_duplicate", ticket_id=t["id"], parent_id=parent["id"])
        return self._finish(
            f"Your ticket {t['id']} reports a known problem already tracked in {parent['id']} "
            f"({parent['short_description']}). I've linked your ticket to it, so you'll get the "
            "updates from there."
        )

    def _parent_for(self, text: str, exclude: str | None = None) -> Any:
        """An open major incident matching ``text``: a search call to make, the parent, or None."""
        found = self._result("search_tickets")
        if found is None:
            if self.intent.get("searched"):
                return None
            self.intent["searched"] = True
            return tool_call("search_tickets", query=_query(_symptom(text)) or text[:60])
        reporter = self._reporter(text)
        if isinstance(reporter, dict):
            return reporter
        words = _words(_symptom(text))
        candidates = [
            t
            for t in found
            if t["id"] != exclude
            and t["impact"] <= 2
            and not t["parent_id"]
            and len(words & _words(t["short_description"])) >= 1
        ]
        # the named reporter's ticket first, else in the search's order
        candidates.sort(key=lambda t: t["requester_id"] != reporter)
        candidate = next(iter(candidates), None)
        if candidate is None:
            return None
        # A shared word is not enough ("email"): the parent must describe the same symptom.
        detail = self.intent.get("tickets", {}).get(candidate["id"])
        if detail is None:
            return tool_call("get_ticket", ticket_id=candidate["id"])
        same = words & _words(detail["short_description"] + " " + (detail["description"] or ""))
        # most of the symptom, not a few common words ("team", "every", "shows")
        enough = len(same) >= min(3, len(words)) and 2 * len(same) > len(words)
        return candidate if enough else None

    def _reporter(self, text: str) -> Any:
        """The employee id of the teammate the caller says reported the problem: a
        ``find_employee`` call to make, the id, or None."""
        m = _REPORTER.search(text)
        if m is None or self.intent is None:
            return None
        people = self._result("find_employee")
        if people is None and not self.intent.get("reporter_sought"):
            self.intent["reporter_sought"] = True
            return tool_call("find_employee", query=m.group(1))
        named = [p for p in people or () if p.get("name") == m.group(1)]
        return named[0]["employee_id"] if len(named) == 1 else None

    # outages of a team -------------------------------------------------------------------------
    def _do_team(self) -> Action:
        """A caller reports a problem for named teammates too: a linked report each when an open
        ticket tracks it, else one team ticket, routed."""
        step = self._need_id()
        if step is not None:
            return step
        intent = self.intent
        parent = intent.get("parent")
        if parent is None and not intent.get("no_parent"):
            found = self._parent_for(intent["text"])
            if isinstance(found, dict) and "arguments" in found:
                return found
            if found is None:
                intent["no_parent"] = True
            else:
                intent["parent"] = parent = found
        if parent is None:
            return self._team_ticket()
        people = intent.setdefault("people", [self.eid])
        names = [n.strip() for n in _TEAM.search(intent["text"]).group(1).split(" and ")]
        if len(people) <= len(names):
            return self._teammate(names[len(people) - 1])
        return self._team_links(parent, people)

    def _teammate(self, name: str) -> Action:
        """Find a teammate's employee id by name (one look-up, then read its result)."""
        intent = self.intent
        found = self._just("find_employee")
        if intent.get("looking") == name and isinstance(found, list):
            match = next((r for r in found if r["name"].lower() == name.lower()), None)
            if match is None:
                return self._finish(
                    f"I couldn't find {name} in the directory; could you check the name?"
                )
            intent["people"].append(match["employee_id"])
            return self._do_team()
        intent["looking"] = name
        return tool_call("find_employee", query=name)

    def _team_links(self, parent: dict, people: list[str]) -> Action:
        intent = self.intent
        made, linked = intent.setdefault("made", []), intent.setdefault("linked", [])
        created = self._just("create_ticket")
        if intent.pop("awaiting", None) and isinstance(created, dict):
            made.append(created["id"])
        if len(linked) < len(made):
            linked.append(made[-1])
            return tool_call("link_duplicate", ticket_id=made[-1], parent_id=parent["id"])
        if len(made) < len(people):
            intent["awaiting"] = True
            return tool_call(
                "create_ticket",
                requester_id=people[len(made)],
                kind="incident",
                category=parent["category"],
                impact=3,
                urgency=self._urgency(2),
                short_description=parent["short_description"],
                description=_symptom(intent["text"])[:300],
            )
        numbers = ", ".join(made)
        return self._finish(
            f"This is a known outage, already tracked in {parent['id']} "
            f"({parent['short_description']}). I've logged a report for each of you "
            f"({numbers}), each linked to {parent['id']}, so you'll all get the "
            "updates."
        )

    def _team_ticket(self) -> Action:
        intent = self.intent
        symptom = _symptom(intent["text"])
        category = category_of(symptom)
        if "ticket" not in intent:
            return self._ticket_call("incident", category, 2, self._urgency(2), symptom[:80])
        tid, group = intent["ticket"], GROUP_FOR[category]
        if group != "service-desk" and not self._result("assign_ticket"):
            return tool_call("assign_ticket", ticket_id=tid, group=group)
        return self._finish(
            f"No open ticket tracks this yet, so I've logged one for your whole "
            f"team, {tid}, and passed it to {GROUP_NAMES[group]}."
        )

    # security
    # --------------------------------------------------------------------------------------
    def _do_security(self) -> Action:
        step = self._need_id()
        if step is not None:
            return step
        intent = self.intent
        if "ticket" not in intent:
            return self._ticket_call(
                "incident", "security", 3, 1, "Security incident reported by caller"
            )
        tid = intent["ticket"]
        if not self._result("assign_ticket"):
            return tool_call("assign_ticket", ticket_id=tid, group="security")
        if not intent.get("told"):
            intent["told"] = True
            return (
                f"Thank you for calling right away. I've logged this as security incident {tid}, "
                "and I'm transferring you to Security Operations now."
            )
        intent["done"] = True
        return tool_call(
            "transfer_to_human", summary=f"Security incident {tid}: {intent['text'][:300]}"
        )

    # problems: duplicates, KB fixes, routing
    # ---------------------------------------------------------------
    def _do_problem(self) -> Action:
        step = self._need_id()
        if step is not None:
            return step
        intent = self.intent
        if intent.get("route"):
            return self._route()
        parent = intent.get("parent")
        if parent is None and not intent.get("no_parent"):
            found = self._parent_for(intent["text"])
            if isinstance(found, dict) and "arguments" in found:
                return found
            if found is None:
                intent["no_parent"] = True
            else:
                intent["parent"] = parent = found
        if parent is not None:
            if "ticket" not in intent:
                return self._ticket_call(
                    "incident",
                    parent["category"],
                    3,
                    urgency_of(intent["text"]),
                    parent["short_description"],
                )
            tid = intent["ticket"]
            if not self._result("link_duplicate"):
                return tool_call("link_duplicate", ticket_id=tid, parent_id=parent["id"])
            return self._finish(
                f"This is a known problem: it is already tracked in ticket {parent['id']} "
                f"({parent['short_description']}). "
                f"I've logged your report as {tid} and linked it to {parent['id']}, so you'll get "
                "the updates."
            )
        return self._kb_or_route()

    def _kb_or_route(self) -> Action:
        intent = self.intent
        hits = self._result("search_kb")
        symptom = _symptom(intent["text"])
        if hits is None and not intent.get("kb_searched"):
            intent["kb_searched"] = True
            return tool_call("search_kb", query=symptom[:200])
        article = self._result("get_kb_article")
        if article is None and hits and not intent.get("no_kb"):
            best = self._best_hit(symptom, hits)
            if best is not None:
                return tool_call("get_kb_article", article_id=best["id"])
            intent["no_kb"] = True
        if article is not None and _matches(symptom, article["title"], article["body"]):
            if "ticket" not in intent:
                return self._ticket_call(
                    "incident", article["category"], 3, urgency_of(intent["text"]), article["title"]
                )
            tid = intent["ticket"]
            if not self._result("resolve_ticket"):
                return tool_call(
                    "resolve_ticket",
                    ticket_id=tid,
                    resolution_code="kb_solution",
                    public_note=f"Walked the caller through {article['id']}: {article['title']}.",
                )
            steps = " ".join(f"{line.strip()}" for line in article["body"].splitlines())
            return self._finish(
                f"This is a known issue with a documented fix, {article['id']} "
                f"({article['title']}). Here are the steps: "
                f"{steps} I've recorded the fix on your ticket {tid} and resolved it."
            )
        intent["route"] = True
        return self._route()

    @staticmethod
    def _best_hit(symptom: str, hits: list[dict]) -> dict | None:
        words = _words(symptom)
        scored = [
            (len(words & _words(h["title"])), len(words & _words(h.get("snippet", ""))), -i, h)
            for i, h in enumerate(hits)
        ]
        in_title, in_snippet, _, best = max(scored, key=lambda x: x[:3])
        return best if in_title >= 1 else None

    def _route(self) -> Action:
        intent = self.intent
        if not intent.get("asked"):
            intent["asked"] = True
            return (
                "I'm sorry to hear that. Could you describe what exactly happens, with any error "
                "message you see, "
                "who is affected and whether you can still work?"
            )
        text = self._text()
        category = category_of(" ".join(intent.get("answers", [])) or text)
        if "ticket" not in intent:
            # The short description says what happens: the caller's answer when the opening was
            # vague.
            short = _symptom(intent["answers"][-1]) if intent.get("answers") else text
            return self._ticket_call(
                "incident", category, impact_of(text), urgency_of(text), short[:80]
            )
        tid = intent["ticket"]
        group = GROUP_FOR[category]
        if group != "service-desk" and not self._result("assign_ticket"):
            return tool_call("assign_ticket", ticket_id=tid, group=group)
        return self._finish(
            f"Thank you. I've logged this as ticket {tid} and passed it to {GROUP_NAMES[group]}; "
            "they'll contact you."
        )

    # -- the queue
    # ------------------------------------------------------------------------------------
    def _queued(self, line: str) -> None:
        m = re.match(
            r"system: queue ticket (\S+) from .*?\((E\d+)\), opened \S+, filed as (\w+) impact "
            r"(\d) urgency (\d): (.*)",
            line,
        )
        if m:
            short, _, description = m.group(6).partition(" | ")
            self.queue.append(
                {
                    "id": m.group(1),
                    "requester": m.group(2),
                    "category": m.group(3),
                    "impact": int(m.group(4)),
                    "urgency": int(m.group(5)),
                    "short": short,
                    "text": description or short,
                    "state": "new",
                }
            )

    def _queue_step(self) -> Action:
        for name, result in self.results:
            self._queue_absorb(name, result)
        for line in (self.last_user or "").split("public comment on ")[1:]:
            tid = line.split(" ", 1)[0]
            t = next((q for q in self.queue if q["id"] == tid), None)
            if t is not None and t["state"] == "asked":
                t["answer"] = line.split(": ", 1)[1] if ": " in line else line
                t["state"] = "answered"
        self.last_user = ""
        if self.plan:
            return self.plan.pop(0)
        for t in self.queue:
            action = self._queue_ticket(t)
            if action is not None:
                return action
        waiting = next(
            (t for t in self.queue if t["state"] == "asked" and t.setdefault("waits", 0) < 3), None
        )
        if waiting is not None:  # an answer is on its way: look at the ticket until it arrives
            waiting["waits"] += 1
            return tool_call("get_ticket", ticket_id=waiting["id"])
        return tool_call("end_conversation")

    def _queue_absorb(self, name: str, result: Any) -> None:
        t = self._current
        if t is None:
            return
        seen = t.setdefault("seen", {})
        if (
            name == "get_ticket"
            and isinstance(result, dict)
            and seen.get("parent", {}).get("id") == result.get("id")
        ):
            seen["parent"] = result
        else:
            seen[name] = result

    def _queue_ticket(self, t: dict) -> Action | None:
        self._current = t
        seen = t.setdefault("seen", {})
        if t["state"] in ("done", "asked"):
            return None
        if t["state"] == "answered":
            text = t["answer"]
            category = category_of(text)
            t["state"] = "done"
            self.plan = [tool_call("assign_ticket", ticket_id=t["id"], group=GROUP_FOR[category])]
            return tool_call(
                "update_ticket",
                ticket_id=t["id"],
                category=category,
                impact=impact_of(text),
                urgency=urgency_of(text),
            )
        if "search_tickets" not in seen:
            seen["search_tickets"] = None
            return tool_call("search_tickets", query=_query(_symptom(t["text"])) or t["short"])
        found = seen.get("search_tickets") or []
        words = _words(_symptom(t["text"]))
        parent = next(
            (
                p
                for p in found
                if p["id"] != t["id"]
                and p["impact"] <= 2
                and not p["parent_id"]
                and p["status"] in ("assigned", "in_progress")
                and len(words & _words(p["short_description"])) >= 1
            ),
            None,
        )
        if parent is not None:
            detail = seen.get("parent")
            if detail is None or detail.get("id") != parent["id"]:
                seen["parent"] = {"id": parent["id"]}
                return tool_call("get_ticket", ticket_id=parent["id"])
            same = words & _words(
                detail.get("short_description", "") + " " + (detail.get("description") or "")
            )
            if len(same) >= min(3, len(words)):
                t["state"] = "done"
                return tool_call("link_duplicate", ticket_id=t["id"], parent_id=parent["id"])
        if len(words) < 5:
            t["state"] = "asked"
            return tool_call(
                "add_comment",
                ticket_id=t["id"],
                visibility="public",
                body="Thanks for your ticket. Could you describe what exactly happens, with any error message you see, "  # noqa: E501
                "who is affected, and whether you can still work?",
            )
        return self._queue_resolve_or_route(t, seen)

    def _queue_resolve_or_route(self, t: dict, seen: dict) -> Action:
        """A ticket with a clear description: solve it from the KB, else route it."""
        symptom = _symptom(t["text"])
        if "search_kb" not in seen:
            seen["search_kb"] = None
            return tool_call("search_kb", query=symptom[:200])
        hits = seen.get("search_kb") or []
        best = self._best_hit(symptom, hits) if hits else None
        if "get_kb_article" not in seen and best is not None:
            seen["get_kb_article"] = None
            return tool_call("get_kb_article", article_id=best["id"])
        article = seen.get("get_kb_article")
        impact, urgency = impact_of(t["text"]), urgency_of(t["text"])
        t["state"] = "done"
        if article and _matches(symptom, article["title"], article["body"]):
            steps = " ".join(line.strip() for line in article["body"].splitlines())
            self.plan = [
                tool_call(
                    "resolve_ticket",
                    ticket_id=t["id"],
                    resolution_code="kb_solution",
                    public_note=f"This is solved by {article['id']} ({article['title']}). Steps: {steps}",  # noqa: E501
                )
            ]
            return tool_call(
                "update_ticket",
                ticket_id=t["id"],
                category=article["category"],
                impact=impact,
                urgency=urgency,
            )
        category = category_of(t["text"])
        self.plan = [tool_call("assign_ticket", ticket_id=t["id"], group=GROUP_FOR[category])]
        return tool_call(
            "update_ticket", ticket_id=t["id"], category=category, impact=impact, urgency=urgency
        )
