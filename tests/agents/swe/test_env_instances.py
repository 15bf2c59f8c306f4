"""Instance environment fields: read from the instances file next to SWE-bench's, unknown fields
ignored, a test_cmd that is not pytest refused at load with one line."""
from __future__ import annotations

import json

import pytest

from agents.errors import ConfigError
from agents.swe.instances import load_instances

BASE = {"instance_id": "a-1", "repo": "x", "base_commit": "abc", "problem_statement": "p"}


def test_override_fields_load_and_unknown_fields_are_ignored(tmp_path):
    f = tmp_path / "i.jsonl"
    f.write_text(json.dumps(BASE | {"pip_packages": ["hypothesis"], "pre_install": ["true"], "install": "pip install .",
                                    "test_cmd": "pytest -p no:randomly", "python_path": ["lib"],
                                    "environment_setup_commit": "def", "whatever": 3}) + "\n")
    over = load_instances(f)[0].env_overrides()
    assert over.pip_packages == ["hypothesis"] and over.install == "pip install ." and over.python_path == ["lib"]
    assert over.pytest_args() == ["-p", "no:randomly"] and over.given()


def test_non_pytest_test_cmd_is_a_one_line_config_error(tmp_path):
    f = tmp_path / "i.jsonl"
    f.write_text(json.dumps(BASE | {"test_cmd": "tox -e py311"}) + "\n")
    with pytest.raises(ConfigError) as info:
        load_instances(f)
    assert "test_cmd" in str(info.value) and "not a pytest command" in str(info.value) and "\n" not in str(info.value)
