"""The `s3desk` command: each subcommand, its failures as one clear line, and a real process."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from bot.cli.main import COMMAND_MODULES
from bot.cli.main import app as cli
from bot.demo.programme import load_demo
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Application, AuditEntry, Expert, Identity, Person, Region

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def s3desk(url: str, *args: str, stdin: str | None = None, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env={"DATABASE_URL": url, **env})


def test_db_upgrade_builds_a_fresh_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = s3desk(url, "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output
    db = Database(url)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Region)) == 244
    db.dispose()


def test_grant_creates_then_updates_a_person(db: Database, database_url: str) -> None:
    result = s3desk(database_url, "grant", "--platform", "console", "--user", "anna",
                    "--role", "evaluator", "--name", "Anna Test", "--email", "anna@example.eu",
                    "--country", "GR")
    assert result.exit_code == 0, result.output
    assert "Created Anna Test (console:anna): roles evaluator." in result.output
    result = s3desk(database_url, "grant", "--platform", "console", "--user", "anna",
                    "--role", "observer")
    assert "Updated Anna Test" in result.output and "evaluator, observer" in result.output
    with db.read() as session:
        person = session.scalar(select(Person))
        assert person is not None
        assert (person.name, person.email, person.country_code) == (
            "Anna Test", "anna@example.eu", "EL")
        assert person.role_names == {"evaluator", "observer"}
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(a.action, a.source) for a in audit] == [("create", "cli:grant"),
                                                         ("grant", "cli:grant")]
        assert audit[1].before is not None and audit[1].before["roles"] == ["evaluator"]


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "king"], "'king' is not one of"),
    (["--role", "observer", "--country", "XX"], "`XX` is not a two-letter country code"),
    (["--role", "observer", "--email", "not mail"], "is not an email address"),
    (["--role", "observer", "--platform", "irc"], "'irc' is not one of"),
])
def test_grant_refuses_bad_input_with_exit_2(db: Database, database_url: str,
                                             args: list[str], message: str) -> None:
    base = ["grant", "--user", "anna"]
    if "--platform" not in args:
        base += ["--platform", "slack"]
    result = s3desk(database_url, *base, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_demo_data_fills_an_empty_store_only(db: Database, database_url: str) -> None:
    result = s3desk(database_url, "demo-data")
    assert result.exit_code == 0, result.output
    assert "Demo programme loaded: 40 applications" in result.output
    assert "(secretariat)" in result.output and "(observer, BE)" in result.output
    again = s3desk(database_url, "demo-data")
    assert again.exit_code == 1
    assert "already holds a programme" in again.output
    quiet = s3desk(database_url, "demo-data", "--if-empty")
    assert (quiet.exit_code, quiet.output) == (0, "")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 40


def test_import_experts_uses_the_expert_import(tmp_path: Path, db: Database,
                                               database_url: str) -> None:
    good = tmp_path / "experts.csv"
    good.write_text("name,email,country,languages,topics,availability_days\n"
                    "Irma Testova,irma@example.org,BG,bg;en,edp;clusters,20\n")
    result = s3desk(database_url, "import-experts", str(good))
    assert result.exit_code == 0, result.output
    assert "now holds 1" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,country,languages,topics,availability_days\n"
                   "Ivo Testov,ivo@example.org,BG,xx,edp,20\n"
                   "Ana Testa,,BG,en,edp,20\n")
    result = s3desk(database_url, "import-experts", str(bad))
    assert result.exit_code == 1
    assert "line 2" in result.output and "line 3" in result.output
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Expert)) == 1


def test_an_unreachable_database_is_one_clear_line() -> None:
    for args in (["export"], ["grant", "--platform", "slack", "--user", "U1", "--role",
                              "observer"], ["db", "upgrade"]):
        result = s3desk(UNREACHABLE, *args)
        assert result.exit_code == 1, args
        assert result.output.startswith("s3desk: database postgresql+psycopg://postgres@")
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_store_without_schema_says_to_upgrade(tmp_path: Path) -> None:
    result = s3desk(f"sqlite:///{tmp_path / 'empty.db'}", "export")
    assert result.exit_code == 1
    assert "run `s3desk db upgrade` first" in result.output


def test_bad_settings_are_named(database_url: str) -> None:
    result = s3desk(database_url, "db", "upgrade", S3DESK_TIMEZONE="Mars/Olympus")
    assert result.exit_code == 2
    assert "unknown time zone 'Mars/Olympus'" in result.output
    result = s3desk("nonsense", "db", "upgrade")
    assert result.exit_code == 2
    assert "DATABASE_URL is not a database URL" in result.output


def test_command_modules_add_their_commands() -> None:
    for name in COMMAND_MODULES:
        assert callable(importlib.import_module(name).register)
    names = {c.name for c in cli.registered_commands}
    assert {"console", "demo-data", "grant", "import", "import-experts", "export"} <= names


def test_console_as_a_person(db: Database, database_url: str) -> None:
    from tests.conftest import make_person

    make_person(db, "sec", "secretariat")
    result = s3desk(database_url, "console", "--as", "sec", stdin="help\nquit\n")
    assert result.exit_code == 0, result.output
    assert "as sec." in result.output and "S3 Desk: what you may do" in result.output
    unknown = s3desk(database_url, "console", "--as", "nobody", stdin="help\n")
    assert unknown.exit_code == 2
    assert "Nobody called `nobody`" in unknown.output and "sec " in unknown.output


def test_console_on_an_empty_store_with_demo(db: Database, database_url: str) -> None:
    result = s3desk(database_url, "console", "--demo", stdin="list status:scored\n")
    assert result.exit_code == 0, result.output
    assert "Demo programme loaded" in result.output
    assert "Acting as " in result.output
    assert result.output.count("scored") >= 4


def test_console_creates_a_first_person_without_demo(db: Database, database_url: str) -> None:
    result = s3desk(database_url, "console", stdin="help\n")
    assert result.exit_code == 0, result.output
    assert "created `secretariat`" in result.output


def _s3desk_command() -> list[str]:
    script = Path(sys.executable).parent / "s3desk"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli.main import main; main()"]


def test_a_real_console_process_on_sqlite(tmp_path: Path, config: ProgrammeConfig,
                                          now: datetime) -> None:
    url = f"sqlite:///{tmp_path / 'console.db'}"
    db = Database(url)
    upgrade(db)
    summary = load_demo(db, datetime.now(now.tzinfo), config)
    observer = next(user for user, _, roles, _ in summary.people if roles == ("observer",))
    with db.read() as session:
        ref = session.scalar(select(Application.ref).where(Application.status == "scored")
                             .order_by(Application.ref).limit(1))
        assert session.scalar(select(func.count()).select_from(Identity)) == 7
    db.dispose()
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [*_s3desk_command(), "console", "--as", observer],
        input=f"help\nlist status:in_evaluation\nshow {ref}\ncutoffs\nnew\nexit\n",
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"as {observer}." in out
    assert "S3 Desk: what you may do" in out
    assert out.count("in_evaluation") >= 5
    assert f"{ref} · " in out
    assert "Cut-offs" in out
    # an observer may not register applications: refused in the same format
    assert "error: That did not work" in out and "`new` is for secretariat" in out
    assert "Traceback" not in done.stderr
