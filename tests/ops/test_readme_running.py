"""README's "Running it for real" stays true: every `loket …` command it shows exists with the options
it uses, and every deploy file it copies is in the repository."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

from loket.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Running it for real")
    return text[start:text.index("\n## ", start + 10)]


def _shell_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", _section(), re.S)
    return [line.split("#", 1)[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_every_loket_command_in_the_section_exists():
    seen = 0
    for line in _shell_lines():
        for part in re.split(r"&&|;|\|", line):
            if not part.strip().startswith("loket "):
                continue
            words = shlex.split(part)
            if not words or words[0] != "loket":
                continue
            command: click.Command = main
            args = words[1:]
            while isinstance(command, click.Group) and args and not args[0].startswith("-"):
                assert args[0] in command.commands, f"README runs `{part.strip()}`: no such command"
                command, args = command.commands[args[0]], args[1:]
            options = {opt for param in command.params for opt in getattr(param, "opts", [])}
            for arg in args:
                if arg.startswith("--"):
                    assert arg.split("=")[0] in options, f"README runs `{part.strip()}`: no option {arg}"
            seen += 1
    assert seen >= 6  # db upgrade, doctor, backup, restore, ...


def test_every_deploy_file_the_section_copies_exists():
    paths = set(re.findall(r"/opt/loket/src/(deploy/[\w@./-]+)", _section()))
    assert paths, "the section copies deploy files from the source tree"
    for path in paths:
        assert (ROOT / path).exists(), f"README copies {path}, which is not in the repository"
    for name in re.findall(r"\b(loket-[\w-]+\.(?:desktop|sh))\b", _section()):
        assert (ROOT / "deploy" / "kiosk" / name).exists(), name
