"""Loading instances: SWE-bench shapes, one-line errors for every malformed input, repo resolution, URL clones."""
import json
import subprocess
from pathlib import Path

import pytest

from agents.errors import ConfigError
from agents.swe.instances import (Instance, instance_from_issue, load_instances, local_repo_path, materialize_repo)

ROOT = Path(__file__).resolve().parents[3]
GOOD = {"instance_id": "x-1", "repo": "repos/x", "base_commit": "abc", "problem_statement": "broken",
        "FAIL_TO_PASS": '["tests/test_a.py::test_a"]', "PASS_TO_PASS": '["tests/test_a.py::test_b[1-2]"]'}


def test_committed_example_file_loads():
    insts = load_instances(ROOT / "examples/swe/instances.jsonl")
    assert len(insts) == 19
    assert all(isinstance(i.FAIL_TO_PASS, list) and i.FAIL_TO_PASS for i in insts)
    assert insts[0].model_extra.get("difficulty")  # unknown fields are kept
    rec = insts[0].to_record()
    assert json.loads(rec["FAIL_TO_PASS"]) == insts[0].FAIL_TO_PASS


def test_lists_json_and_object_forms(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([GOOD, dict(GOOD, instance_id="x-2", FAIL_TO_PASS=["t::a"])]))
    (tmp_path / "b.json").write_text(json.dumps(GOOD))
    a = load_instances(tmp_path / "a.json")
    assert [i.FAIL_TO_PASS for i in a] == [["tests/test_a.py::test_a"], ["t::a"]]
    assert load_instances(tmp_path / "b.json")[0].PASS_TO_PASS == ["tests/test_a.py::test_b[1-2]"]


@pytest.mark.parametrize("lines,needles", [
    (['{"instance_id": "x-1",'], [":1:", "invalid JSON"]),
    ([json.dumps(GOOD), "not json"], [":2:", "invalid JSON"]),
    ([json.dumps({k: v for k, v in GOOD.items() if k != "base_commit"})], [":1:", "'base_commit': missing"]),
    ([json.dumps(dict(GOOD, FAIL_TO_PASS='"tests/a.py::t"'))], ["FAIL_TO_PASS", "list"]),
    ([json.dumps(dict(GOOD, FAIL_TO_PASS="[oops"))], ["FAIL_TO_PASS", "not a JSON list"]),
    ([json.dumps(dict(GOOD, PASS_TO_PASS=[1, 2]))], ["PASS_TO_PASS"]),
    (["[1, 2]"], [":1:", "expected a JSON object"]),
    ([json.dumps(GOOD), json.dumps(GOOD)], ["appears twice"]),
    ([""], ["holds no instances"]),
])
def test_malformed_file_is_one_line_error(tmp_path, lines, needles):
    f = tmp_path / "inst.jsonl"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(ConfigError) as err:
        load_instances(f)
    msg = str(err.value)
    assert "\n" not in msg and str(f) in msg
    for n in needles:
        assert n in msg, msg


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_instances(tmp_path / "nope.jsonl")


def test_relative_repo_resolves_next_to_file_then_cwd(tmp_path, monkeypatch):
    (tmp_path / "d" / "repos" / "x").mkdir(parents=True)
    f = tmp_path / "d" / "inst.jsonl"
    f.write_text(json.dumps(GOOD) + "\n")
    monkeypatch.chdir(tmp_path)
    assert local_repo_path(load_instances(f)[0]) == (tmp_path / "d" / "repos" / "x").resolve()
    # project-root-relative paths (examples/swe/instances.jsonl) resolve from any CWD
    monkeypatch.chdir(tmp_path)
    inst = load_instances(ROOT / "examples/swe/instances.jsonl")[0]
    assert local_repo_path(inst) in (None, (ROOT / inst.repo).resolve())


def _git(*args, cwd):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture
def small_repo(tmp_path):
    repo = tmp_path / "src"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    (repo / "a.py").write_text("x = 1\n")
    _git("add", ".", cwd=repo)
    _git("commit", "-q", "-m", "one", cwd=repo)
    return repo


def _head(repo):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


def test_materialize_url_clones_once_and_fetches_new_commits(small_repo, tmp_path):
    cache = tmp_path / "cache"
    inst = Instance(instance_id="s-1", repo=f"file://{small_repo}", base_commit=_head(small_repo), problem_statement="p")
    first = materialize_repo(inst, cache)
    assert (first / "HEAD").exists() and first.parent == cache
    (small_repo / "a.py").write_text("x = 2\n")
    _git("commit", "-qam", "two", cwd=small_repo)
    inst2 = inst.model_copy(update={"base_commit": _head(small_repo)})
    assert materialize_repo(inst2, cache) == first  # reused, and fetched the missing commit
    bad = inst.model_copy(update={"base_commit": "0" * 40})
    with pytest.raises(ConfigError, match="not in .*even after fetching"):
        materialize_repo(bad, cache)


def test_materialize_errors(small_repo, tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        materialize_repo(Instance(instance_id="m", repo="./no/such/dir", base_commit="abc", problem_statement="p"))
    with pytest.raises(ConfigError, match="is not in"):
        materialize_repo(Instance(instance_id="m", repo=str(small_repo), base_commit="f" * 40, problem_statement="p"))
    with pytest.raises(ConfigError, match="cannot clone"):
        materialize_repo(Instance(instance_id="m", repo=f"file://{tmp_path}/nothing", base_commit="abc",
                                  problem_statement="p"), tmp_path / "c")


def test_instance_from_issue_text_and_file(small_repo, tmp_path):
    a = instance_from_issue(small_repo, "the thing is broken")
    assert a.base_commit == _head(small_repo) and a.instance_id.startswith("src-") and len(a.instance_id) == 12
    (tmp_path / "issue.md").write_text("the thing is broken")
    b = instance_from_issue(str(small_repo), str(tmp_path / "issue.md"), base_commit=_head(small_repo))
    assert b.instance_id == a.instance_id and b.problem_statement == "the thing is broken"
    with pytest.raises(ConfigError, match="empty"):
        instance_from_issue(small_repo, "  ")
    with pytest.raises(ConfigError, match="does not exist"):
        instance_from_issue(tmp_path / "nope", "x")
    with pytest.raises(ConfigError, match="is not in"):
        instance_from_issue(small_repo, "x", base_commit="e" * 40)


@pytest.mark.parametrize("issue", ["adir", "missing.md", "docs/issue", "./x", "~/no-such-issue.txt"])
def test_an_issue_path_that_names_no_file_is_an_error(tmp_path, monkeypatch, issue):
    from agents.swe.instances import read_issue

    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    with pytest.raises(ConfigError, match="is a directory" if issue == "adir" else "no such file"):
        read_issue(issue)


def test_an_issue_is_a_file_or_the_text(tmp_path, monkeypatch):
    from agents.swe.instances import read_issue

    monkeypatch.chdir(tmp_path)
    (tmp_path / "bug.md").write_text("it breaks\n")
    assert read_issue("bug.md") == "it breaks\n"
    for text in ("Crash", "add() returns a - b", "x" * 5000, "line one\nsee docs/x.md"):
        assert read_issue(text) == text


@pytest.mark.parametrize("bad", ["a\u0000b", "a\nb", "x" * 1001])
def test_an_instance_id_that_cannot_name_a_directory_is_refused(tmp_path, bad):
    rec = {"instance_id": bad, "repo": "r", "base_commit": "c", "problem_statement": "p"}
    (tmp_path / "i.jsonl").write_text(json.dumps(rec) + "\n")
    with pytest.raises(ConfigError, match="i.jsonl:1: field 'instance_id'"):
        load_instances(tmp_path / "i.jsonl")
