"""The prompts name what is searched: the index's name (`web index --name`, else "the documents in
DIR"), "the Python documentation" for the default corpus, "the web" for SearxNG; never the Python
docs for a user's own corpus."""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from agents.graph import run
from agents.models.scripted import ScriptedModel
from agents.runtime import Runtime
from agents.state import Task
from agents.web.env import WebEnv, close_all
from agents.web.pipeline import build
from budgets import Budget
from tools.web.index import DEFAULT_DOCS, Index, build_index, default_name
from web_corpus import write_corpus


@pytest.fixture(autouse=True)
def _close():
    yield
    close_all()


def test_an_index_records_its_name_or_says_which_folder_it_holds(tmp_path):
    docs = write_corpus(tmp_path / "acme-handbook")
    build_index(docs, tmp_path / "named.sqlite", name="  the ACME\nhandbook ")
    build_index(docs, tmp_path / "plain.sqlite")
    assert Index(tmp_path / "named.sqlite").name == "the ACME handbook"
    assert Index(tmp_path / "plain.sqlite").name == "the documents in acme-handbook"
    assert default_name(DEFAULT_DOCS) == "the Python documentation"


def test_an_index_built_before_names_is_named_from_its_source(tmp_path):
    build_index(write_corpus(tmp_path / "notes"), tmp_path / "old.sqlite")
    with sqlite3.connect(tmp_path / "old.sqlite") as db:
        db.execute("DELETE FROM meta WHERE key = 'name'")
    assert Index(tmp_path / "old.sqlite").name == "the documents in notes"


def test_the_environment_names_its_backend(tmp_path):
    build_index(write_corpus(tmp_path / "kb"), tmp_path / "kb.sqlite", name="the team wiki")
    assert WebEnv(str(tmp_path / "kb.sqlite"), None).corpus == "the team wiki"
    assert WebEnv(None, "http://127.0.0.1:9").corpus == "the web"  # no request: the name needs none


def test_plan_and_act_prompts_name_the_users_corpus(tmp_path):
    index = tmp_path / "kb.sqlite"
    build_index(write_corpus(tmp_path / "kb"), index, name="the team wiki")
    model = ScriptedModel(['{"queries": ["zoneinfo"]}', '{"tool": "open", "input": "1"}'])
    rt = Runtime(model=model, budget=Budget.parse("calls=2,search=2,open=2,tokens=50k"))
    task = Task(id="q", kind="web", input={"question": "When was zoneinfo added?"})
    asyncio.run(run(build({"k": 1, "index": str(index)}), task, rt))
    systems = [c["messages"][0]["content"] for c in model.calls]
    assert len(systems) == 2 and all(s.startswith("You answer questions about the team wiki by searching it")
                                     for s in systems)


def test_web_index_command_takes_a_name(tmp_path):
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-m", "agents.cli", "web", "index", str(write_corpus(tmp_path / "d")),
                        "--out", str(tmp_path / "i.sqlite"), "--name", "the Foo manual", "--json"],
                       capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(root)), timeout=300)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["name"] == "the Foo manual" and Index(tmp_path / "i.sqlite").name == "the Foo manual"
