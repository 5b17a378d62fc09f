"""CONTRIBUTING's "Adding a domain" is true: a tiny domain written in a temp folder, as one folder
plus registration lines and nothing else, is a complete env: it passes every conformance check
(``check_utility_env``: Gymnasium's checker, info contract, pickling, vector envs, determinism
across processes, bad input) and its oracle solves its tasks through the simulated user."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import gymnasium as gym
import pytest

from utility_gym.core.rollout import run_episode
from utility_gym.testing import check_utility_env

ENV_ID = "utility/TinyLibrary-v0"

# One file each, as CONTRIBUTING lists them. The domain imports only utility_gym.core.
FILES = {
    "__init__.py": '"""A tiny library desk: renew a loan, or hear when a book is due."""\n',
    "policy.md": "# Library desk policy\n\nRenew a loan only after the member confirms it. "
    "A loan renewed twice cannot be renewed again.\n",
    "schema.py": '''
        """The library's tables."""

        TRACKED_TABLES = ("loans",)


        def create_tables(db):
            db.execute("CREATE TABLE loans (id TEXT PRIMARY KEY, member TEXT, title TEXT, due TEXT, renewals INTEGER)")
    ''',
    "tools.py": '''
        """The desk's tools."""

        from utility_gym.core.tools import ToolContext, ToolError, tool


        @tool
        def find_loans(ctx: ToolContext, member: str) -> list:
            """List a member's loans.

            Args:
                member: The member's name.
            """
            rows = ctx.db.execute("SELECT * FROM loans WHERE member = ? ORDER BY id", (member,)).fetchall()
            if not rows:
                raise ToolError(f"no member named {member!r}; ask for the name on their card")
            return [dict(r) for r in rows]


        @tool(writes=True)
        def renew_loan(ctx: ToolContext, loan_id: str) -> dict:
            """Renew a loan by two weeks.

            Args:
                loan_id: The loan, e.g. L0003.
            """
            row = ctx.db.execute("SELECT * FROM loans WHERE id = ?", (loan_id,)).fetchone()
            if row is None:
                raise ToolError(f"unknown loan {loan_id!r}")
            if row["renewals"] >= 2:
                raise ToolError("this loan was renewed twice already; it cannot be renewed again")
            ctx.db.execute("UPDATE loans SET due = '2026-12-21', renewals = renewals + 1 WHERE id = ?", (loan_id,))
            return {"loan_id": loan_id, "due": "2026-12-21"}


        @tool(writes=True, confirm=False, outcome="transferred")
        def transfer_to_human(ctx: ToolContext, summary: str) -> dict:
            """Hand the member to a librarian. Ends the conversation.

            Args:
                summary: What the member needs.
            """
            return {"status": "transferred"}


        @tool(terminal=True)
        def end_conversation(ctx: ToolContext) -> dict:
            """End the conversation."""
            return {"status": "ended"}


        TOOLS = (find_loans, renew_loan, transfer_to_human, end_conversation)
    ''',
    "tasks.py": '''
        """The desk's task templates."""

        from utility_gym.core.tasks import Fact, Intent, NoTask, Script, TaskDraft, TaskTemplate, UserGoal


        def _loan(db, rng, renewable):
            rows = db.execute("SELECT * FROM loans WHERE renewals < 2 = ? ORDER BY id", (renewable,)).fetchall()
            if not rows:
                raise NoTask("no such loan")
            return dict(rng.choice(rows))


        def renew(db, rng, now):
            loan = _loan(db, rng, True)
            s = Script()
            s.say("What is the name on your library card?")
            s.call("find_loans", member=loan["member"])
            s.say(f"I can renew loan {loan['id']} ({loan['title']}) by two weeks. Shall I renew it?")
            s.call("renew_loan", loan_id=loan["id"])
            s.say(f"Done: loan {loan['id']} is now due 2026-12-21.")
            intent = Intent("renew", f"Please renew my loan {loan['id']}.", "write", action="renew",
                            targets=(loan["id"],), facts=(Fact("date", "2026-12-21", "new due date"),))
            goal = UserGoal((intent,), {"name": loan["member"]})
            return TaskDraft(goal, tuple(s.steps), summary=f"renew {loan['id']}")


        def due_date(db, rng, now):
            loan = _loan(db, rng, False)
            s = Script()
            s.say("What is the name on your library card?")
            s.call("find_loans", member=loan["member"])
            s.say(f"Loan {loan['id']} is due {loan['due']}.")
            intent = Intent("due", f"When is my loan {loan['id']} due?", "inform", targets=(loan["id"],),
                            facts=(Fact("date", loan["due"], "due date"),))
            goal = UserGoal((intent,), {"name": loan["member"]})
            return TaskDraft(goal, tuple(s.steps), summary=f"due date of {loan['id']}")


        TEMPLATES = (
            TaskTemplate("renew", "Renew a loan the member names.", renew, tags=("write",)),
            TaskTemplate("due_date", "Tell when a loan is due.", due_date, tags=("no-write",)),
        )
    ''',
    "lexicon.py": '''
        """The desk's words."""

        from utility_gym.core.nlu import DEFAULT_LEXICON
        from utility_gym.core.words import DomainWords

        WORDS = DomainWords(
            lexicon=DEFAULT_LEXICON.extend(
                slot_patterns={"name": r"name on your (?:library )?card"},
                action_patterns={"renew": r"\\brenew"},
                id_slots=(("loan_id", r"L\\d{4}"),),
            ),
            tool_actions={"renew_loan": ("renew",)},
        )
    ''',
    "env.py": '''
        """utility/TinyLibrary-v0: a library desk."""

        from pathlib import Path

        from utility_gym.core.domain import Domain
        from utility_gym.core.env import UtilityEnv
        from utility_gym.core.vector import vector_env_factory

        from tinylibrary.generator import build_world
        from tinylibrary.lexicon import WORDS
        from tinylibrary.schema import TRACKED_TABLES
        from tinylibrary.tasks import TEMPLATES
        from tinylibrary.tools import TOOLS

        DOMAIN = Domain(
            name="tiny_library", builder=build_world, tracked_tables=TRACKED_TABLES, tools=TOOLS,
            policy=(Path(__file__).parent / "policy.md").read_text(encoding="utf-8"), templates=TEMPLATES,
            n_test=6, words=WORDS,
        )


        class TinyLibraryEnv(UtilityEnv):
            """A library desk: renew loans, tell due dates.

            ## Description
            ## Action Space
            ## Observation Space
            ## Rewards
            ## Episode End
            ## Arguments
            ## Version History
            * v0: initial release.
            """

            domain = DOMAIN


        make_vector_env = vector_env_factory(TinyLibraryEnv)
    ''',
}
GENERATOR = '''
    """A seeded library: members, their loans."""

    from tinylibrary.schema import create_tables


    def build_world(db, fake, rng, size):
        create_tables(db)
        db["_meta"].insert_all([{"key": "now", "value": "2026-12-07T09:00:00"}])
        n = {"small": 8, "default": 20, "large": 60}[size]
        rows = []
        for i in range(n):
            rows.append({
                "id": f"L{i:04d}", "member": fake.unique.first_name(), "title": fake.catch_phrase(),
                "due": f"2026-12-{rng.randint(8, 20):02d}", "renewals": rng.choice((0, 0, 1, 2)),
            })
        db["loans"].insert_all(rows)
'''


@pytest.fixture(scope="module")
def tiny_domain(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("scaffold")
    package = root / "tinylibrary"
    package.mkdir()
    for name, text in {**FILES, "generator.py": GENERATOR}.items():
        (package / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    sys.path.insert(0, str(root))
    # The registration lines (what registration.py holds for the built-in domains).
    gym.register(
        id=ENV_ID,
        entry_point="tinylibrary.env:TinyLibraryEnv",
        vector_entry_point="tinylibrary.env:make_vector_env",
        max_episode_steps=30,
    )
    yield root
    gym.registry.pop(ENV_ID, None)
    sys.path.remove(str(root))


def test_scaffold__the_domain_is_only_its_folder(tiny_domain: Path) -> None:
    names = sorted(
        p.name for p in (tiny_domain / "tinylibrary").iterdir() if p.suffix in (".py", ".md")
    )
    assert names == sorted([*FILES, "generator.py"])
    text = "".join(
        (tiny_domain / "tinylibrary" / n).read_text() for n in names if n.endswith(".py")
    )
    assert "utility_gym.envs" not in text and "utility_gym.bench" not in text  # core only


def test_scaffold__a_new_domain_passes_every_conformance_check(
    tiny_domain: Path, monkeypatch
) -> None:
    # The determinism check replays in fresh processes: they find the folder on PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", str(tiny_domain))
    check_utility_env(ENV_ID, size="small")


def test_scaffold__the_oracle_solves_the_new_domain_through_the_simulated_user(
    tiny_domain: Path,
) -> None:
    from utility_gym.agents import OracleAgent

    env = gym.make(ENV_ID, split="test", size="small")
    try:
        ids = env.unwrapped.task_ids("test")
        results = [run_episode(env, OracleAgent(env), options={"task_id": t}) for t in ids]
    finally:
        env.close()
    assert {t.split("/")[1] for t in ids} == {"renew", "due_date"}
    assert all(r.success for r in results), [(r.task_id, r.grade) for r in results if not r.success]
