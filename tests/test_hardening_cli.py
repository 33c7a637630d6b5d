"""The command line as an attacker or a careless script would use it (issue 17, item 7).

Seen before: `loaders load` on a FIFO hung forever; a file name with a newline printed a two-line
summary; argparse errors exited 2 with two lines; a symlink to /etc/passwd was followed and the
refusal quoted a line of that file.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write

GOOD = "metric_id,as_of,value\nsecurity_score,2025-01-27,75\n"


def cli(*args, db: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {"DCE_DB": str(db), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "loaders", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


def one_error_line(out: subprocess.CompletedProcess) -> str:
    assert out.returncode == 1, (out.returncode, out.stdout, out.stderr)
    assert out.stderr == "" and out.stdout.startswith("error: ") and out.stdout.count("\n") == 1, out
    return out.stdout


@pytest.mark.parametrize("args", [["bogus"], ["load"], ["rollback", "abc"], ["load", "x.csv", "--tabel", "y"], []])
def test_every_usage_mistake_is_one_error_line_and_exit_1(db, args):
    line = one_error_line(cli(*args, db=db))
    assert "usage:" not in line


def test_a_fifo_is_refused_at_once_instead_of_hanging(db, tmp_path):
    fifo = tmp_path / "cron.csv"
    os.mkfifo(fifo)
    line = one_error_line(cli("load", str(fifo), db=db, timeout=30))   # the old code blocked in open()
    assert "FIFO" in line and "not a regular file" in line


def test_a_device_and_a_directory_are_refused(db, tmp_path):
    assert "a device" in one_error_line(cli("load", "/dev/zero", db=db, timeout=30))
    assert "a directory" in one_error_line(cli("load", str(tmp_path), db=db))


def test_a_symlink_out_of_its_folder_is_refused_without_quoting_the_target(db, tmp_path):
    secret = tmp_path / "private" / "secret.csv"
    secret.parent.mkdir()
    write(secret, "root:x:0:0:root:/root:/bin/bash\nsecret line two\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "passwd.csv").symlink_to(secret)
    (inbox / "etc.csv").symlink_to("/etc/passwd")
    for link in ("passwd.csv", "etc.csv"):
        line = one_error_line(cli("load", str(inbox / link), db=db))
        assert "symbolic link" in line and "outside its folder" in line
        assert "root:x" not in line and "secret line" not in line and "/bin/bash" not in line and "private" not in line


def test_a_symlink_inside_its_folder_is_followed(db, tmp_path):
    write(tmp_path / "week3.csv", GOOD)
    (tmp_path / "latest.csv").symlink_to("week3.csv")
    out = cli("load", str(tmp_path / "latest.csv"), db=db)
    assert out.returncode == 0 and "from latest.csv" in out.stdout, out


@pytest.mark.parametrize("name, shown", [("nl\nx.csv", "nl\\nx.csv"), ("cr\r=1+2.csv", "cr\\r=1+2.csv"),
                                         ("esc\x1b[31mred.csv", "esc\\x1b[31mred.csv")])
def test_control_characters_in_names_are_shown_escaped_on_one_line(db, tmp_path, name, shown):
    f = write(tmp_path / name, GOOD)
    out = cli("load", str(f), db=db)
    assert out.returncode == 0 and out.stdout.count("\n") == 1 and out.stdout.rstrip("\n").endswith(shown), out
    history = cli("history", db=db).stdout
    assert shown in history and "\r" not in history and "\x1b" not in history
    bad = write(tmp_path / ("bad-" + name), "metric_id,as_of,value\nsecurity_score,2025-01-27,lots\n")
    line = one_error_line(cli("load", str(bad), db=db))
    assert "bad-" + shown in line
