"""A management command run by hand after `make run` starts with what make configured (.env);
without it, a missing setting is one line in the operator's language, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.municipality.test_settings_env import SETTINGS_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
WRITE_ENV = ROOT / "scripts" / "write_env.py"


def manage(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES and not key.startswith("LC_")}
    env.pop("LANGUAGE", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(BALAGH_VAR_DIR=str(tmp_path), BALAGH_ENV_FILE="", LANG="C.UTF-8")
    env.update(variables)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_command_without_secret_key_prints_one_translated_line(tmp_path):
    result = manage(tmp_path, "escalate_overdue")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Balagh: ")
    assert "SECRET_KEY" in lines[0] and "make setup" in lines[0]
    assert "غير" in lines[0] or "لم" in lines[0], lines[0]  # Arabic, the site's language, by default


def test_an_english_shell_gets_the_line_in_english(tmp_path):
    result = manage(tmp_path, "escalate_overdue", LANG="en_US.UTF-8")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Balagh: SECRET_KEY is not set. Run `make setup` (it writes .env for development), "
        "set SECRET_KEY in the environment, or DEBUG=1 for a development default."
    ]


def test_a_bad_value_is_one_line_naming_it(tmp_path):
    result = manage(tmp_path, "check", DEBUG="1", BALAGH_MAX_PHOTOS="many", LANG="en_US.UTF-8")
    assert result.returncode == 2
    assert result.stderr.strip() == "Balagh: BALAGH_MAX_PHOTOS='many' is not a whole number."


def test_the_env_file_make_writes_holds_for_commands_run_by_hand(tmp_path):
    env_file = tmp_path / ".env"
    subprocess.run(
        [sys.executable, str(WRITE_ENV), "--file", str(env_file), "DEBUG=1", "SITE_URL=http://127.0.0.1:8108"], check=True
    )
    code = "from django.conf import settings; print(settings.DEBUG, settings.SITE_URL, settings.SECRET_KEY[:4])"
    result = manage(tmp_path, "shell", "-v", "0", "-c", code, BALAGH_ENV_FILE=str(env_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "http://127.0.0.1:8108", "dev-"]
    # The environment wins over the file.
    result = manage(tmp_path, "shell", "-v", "0", "-c", code, BALAGH_ENV_FILE=str(env_file), SITE_URL="https://balagh.example")
    assert result.stdout.split()[1] == "https://balagh.example"


def test_writing_the_env_again_keeps_the_key_and_takes_the_new_port(tmp_path):
    env_file = tmp_path / ".env"
    subprocess.run([sys.executable, str(WRITE_ENV), "--file", str(env_file), "DEBUG=1", "SITE_URL=http://a:1"], check=True)
    first = env_file.read_text()
    env_file.write_text(first + "EMAIL_HOST=mail.local\n")
    subprocess.run([sys.executable, str(WRITE_ENV), "--file", str(env_file), "DEBUG=1", "SITE_URL=http://a:2"], check=True)
    second = env_file.read_text()
    key = [line for line in first.splitlines() if line.startswith("SECRET_KEY=")]
    assert len(key) == 1 and key[0] in second.splitlines()
    assert "SITE_URL=http://a:2" in second and "SITE_URL=http://a:1" not in second
    assert "EMAIL_HOST=mail.local" in second
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_readme_lists_every_management_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = sorted(
        path.stem
        for path in ROOT.glob("*/management/commands/*.py")
        if not path.stem.startswith("_") and ".venv" not in path.parts
    )
    assert commands, "no management commands found"
    missing = [name for name in commands if f"`{name}" not in readme]
    assert missing == [], f"README.md does not name: {missing}"
