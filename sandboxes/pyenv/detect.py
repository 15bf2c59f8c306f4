"""What a repository state needs to run its tests: detected from its files, or given by an instance.

    plan = detect(GitTree(repo, base_commit), Overrides(pip_packages=["hypothesis"]))
    plan.needs_venv        # something to install (dependencies, test extras, requirements, overrides)
    plan.import_paths      # ["src"] for a src/ layout, ["."] otherwise (relative to the repo root)
    plan.key()             # the cache key: declarations at that commit + Python version + overrides

Detection reads only declaration files, never runs them: `pyproject.toml` ([project] dependencies and
optional-dependencies, [build-system]), `setup.cfg` ([options] install_requires / extras_require),
`setup.py` (extras named test/tests/testing/dev, found by name), `requirements*.txt` files whose
name says runtime, test or dev, `tox.ini` `[testenv] deps` where they are a plain list, and the
test/dev dependency groups of PEP 735 ([dependency-groups]) and PDM ([tool.pdm.dev-dependencies]). Test
extras are the ones named `test`, `tests`, `testing` or `dev` (all that exist). The venv is built
on the host (see build.py); this module only decides what goes in it.
"""
from __future__ import annotations

import configparser
import fnmatch
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

TEST_EXTRAS = ("test", "tests", "testing", "dev")
REQUIREMENT_GLOBS = ("requirements.txt", "requirements-test*.txt", "requirements_test*.txt", "requirements-dev*.txt",
                     "requirements_dev*.txt", "test-requirements*.txt", "test_requirements*.txt",
                     "dev-requirements*.txt", "requirements/test*.txt", "requirements/dev*.txt",
                     "requirements/base*.txt", "tests/requirements*.txt")
DECLARATIONS = ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini", *REQUIREMENT_GLOBS)
BUILDER_VERSION = "1"  # bump when what a build does changes: every cached environment is rebuilt


class Overrides(BaseModel):
    """Per-instance fields for what detection cannot guess (README: "Real repositories")."""

    model_config = ConfigDict(extra="ignore")

    install: str | None = None          # shell command replacing the detected `pip install .[extras]`
    pre_install: list[str] = []         # shell commands run before it (cwd: the base tree)
    test_cmd: str | None = None         # `pytest ARGS...`: ARGS are added to every pytest run
    pip_packages: list[str] = []        # extra requirements installed into the environment
    python: str | None = None           # interpreter (path or name on PATH) the venv is made from
    python_path: list[str] | None = None  # import roots relative to the repo root (default: src/ or .)

    @field_validator("test_cmd")
    @classmethod
    def _pytest_cmd(cls, value: str | None) -> str | None:
        Overrides.pytest_words(value)  # ValueError: not a pytest command
        return value

    def env_overrides(self) -> "Overrides":
        """Just these fields (of a subclass such as agents.swe.instances.Instance)."""
        return Overrides(**self.model_dump(include=set(Overrides.model_fields)))

    def given(self) -> bool:
        return any(v not in (None, []) for v in self.model_dump().values())

    def pytest_args(self) -> list[str]:
        return self.pytest_words(self.test_cmd)

    @staticmethod
    def pytest_words(cmd: str | None) -> list[str]:
        import shlex

        if not cmd:
            return []
        words = shlex.split(cmd)
        for head in (["pytest"], ["py.test"], ["python", "-m", "pytest"], ["python3", "-m", "pytest"]):
            if words[:len(head)] == head:
                return words[len(head):]
        raise ValueError(f"test_cmd {cmd!r} is not a pytest command: the harness runs pytest itself "
                         "to read one outcome per test; give `pytest ARGS...`")


class Tree(Protocol):
    def names(self) -> list[str]: ...

    def read(self, name: str) -> str | None: ...


class DirTree:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def names(self) -> list[str]:
        out = []
        for p in self.root.rglob("*"):
            rel = p.relative_to(self.root)
            if p.is_file() and len(rel.parts) <= 3 and not any(x.startswith(".") for x in rel.parts):
                out.append(rel.as_posix())
        return sorted(out)

    def read(self, name: str) -> str | None:
        p = self.root / name
        return p.read_text(encoding="utf-8", errors="replace") if p.is_file() and not p.is_symlink() else None


class GitTree:
    """The files of one commit, read from git (never from a worktree a sandbox could have written)."""

    def __init__(self, repo: Path | str, commit: str):
        self.repo, self.commit = Path(repo), commit

    def _git(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=self.repo, capture_output=True, timeout=120,
                              env={"GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C", "PATH": "/usr/bin:/bin"})

    def names(self) -> list[str]:
        r = self._git("ls-tree", "-r", "--name-only", "-z", self.commit)
        if r.returncode != 0:
            raise ValueError(f"cannot list commit {self.commit[:12]} of {self.repo}: "
                             f"{r.stderr.decode(errors='replace').strip()[:200]}")
        return [n for n in r.stdout.decode(errors="replace").split("\0") if n and n.count("/") <= 2]

    def read(self, name: str) -> str | None:
        r = self._git("cat-file", "-p", f"{self.commit}:{name}")
        return r.stdout.decode("utf-8", errors="replace") if r.returncode == 0 else None


class Plan(BaseModel):
    python: str                      # interpreter the venv is made from
    python_version: str
    installable: bool = False        # pyproject.toml [build-system]/[project] or setup.py/setup.cfg
    extras: list[str] = []           # test extras the project declares
    requirements: list[str] = []     # requirement files to install (relative to the root)
    dependencies: list[str] = []     # declared runtime deps (detection only: pip resolves them from the tree)
    test_deps: list[str] = []        # tox deps and the like: plain requirement strings
    import_paths: list[str] = ["."]
    declarations: dict[str, str] = Field(default_factory=dict)  # file -> sha256 of its text
    overrides: Overrides = Field(default_factory=Overrides)
    pytest_args: list[str] = []

    @property
    def needs_venv(self) -> bool:
        """Anything to install beyond the code itself? Without, the harness's own interpreter runs the
        tests with `import_paths` on the path (as before environments existed)."""
        o = self.overrides
        return bool(self.dependencies or self.extras or self.requirements or self.test_deps or o.install
                    or o.pre_install or o.pip_packages or o.python)

    def key(self) -> str:
        data = {"v": BUILDER_VERSION, "py": self.python_version, "exe": self.python, "decl": self.declarations,
                "over": self.overrides.model_dump(), "extras": self.extras, "reqs": self.requirements}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]


def _matches(name: str) -> bool:
    return name in ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini") or any(
        fnmatch.fnmatch(name, g) for g in REQUIREMENT_GLOBS)


def _tox_deps(text: str) -> list[str]:
    cp = configparser.ConfigParser(interpolation=None)
    try:
        cp.read_string(text)
    except configparser.Error:
        return []
    raw = cp.get("testenv", "deps", fallback="")
    deps = []
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or any(c in line for c in "{}:") or line.startswith("-"):
            continue  # factor-conditional, substitutions, -r/-c: not a plain list
        deps.append(line)
    return deps


def _setup_extras(pyproject: dict, setup_cfg: str | None, setup_py: str | None) -> tuple[set[str], list[str]]:
    names: set[str] = set()
    deps: list[str] = []
    project = pyproject.get("project") or {}
    names |= set((project.get("optional-dependencies") or {}).keys())
    deps += list(project.get("dependencies") or [])
    if setup_cfg:
        cp = configparser.ConfigParser(interpolation=None)
        try:
            cp.read_string(setup_cfg)
            names |= set(cp["options.extras_require"].keys()) if cp.has_section("options.extras_require") else set()
            deps += [d.strip() for d in cp.get("options", "install_requires", fallback="").splitlines() if d.strip()]
        except configparser.Error:
            pass
    if setup_py:
        names |= set(re.findall(r"""["'](tests?|testing|dev)["']\s*:""", setup_py))
        if re.search(r"install_requires\s*=\s*\[\s*['\"\w]", setup_py) or "install_requires=requirements" in setup_py:
            deps.append("<setup.py install_requires>")
    return names, deps


def detect(tree: Tree, overrides: Overrides | None = None, python: str | None = None) -> Plan:
    """The plan for `tree` (see the module doc). Raises ValueError for a bad `test_cmd`."""
    over = overrides or Overrides()
    names = tree.names()
    decl = {n: tree.read(n) or "" for n in names if _matches(n)}
    exe = over.python or python or sys.executable
    try:
        pyproject = tomllib.loads(decl.get("pyproject.toml", "")) if "pyproject.toml" in decl else {}
    except tomllib.TOMLDecodeError:
        pyproject = {}
    installable = bool(pyproject.get("project") or pyproject.get("build-system") or "setup.py" in decl
                       or "setup.cfg" in decl and "[metadata]" in decl["setup.cfg"])
    extras, deps = _setup_extras(pyproject, decl.get("setup.cfg"), decl.get("setup.py"))
    poetry = ((pyproject.get("tool") or {}).get("poetry") or {})
    deps += [d for d in (poetry.get("dependencies") or {}) if d != "python"]
    groups = {**(((pyproject.get("tool") or {}).get("pdm") or {}).get("dev-dependencies") or {}),
              **(pyproject.get("dependency-groups") or {})}  # PDM's dev groups, PEP 735 groups
    group_deps = [d for g in TEST_EXTRAS for d in groups.get(g) or [] if isinstance(d, str) and not d.startswith("-")]
    reqs = sorted(n for n in decl if n.endswith(".txt"))
    src = any(n.startswith("src/") and n.endswith(".py") for n in names)
    import_paths = over.python_path or (["src"] if src else ["."])
    return Plan(python=exe, python_version=_version_of(exe), installable=installable,
                extras=sorted(e for e in extras if e in TEST_EXTRAS), requirements=reqs,
                dependencies=deps, test_deps=group_deps + (_tox_deps(decl["tox.ini"]) if "tox.ini" in decl else []),
                import_paths=import_paths, overrides=over, pytest_args=over.pytest_args(),
                declarations={n: hashlib.sha256(t.encode()).hexdigest() for n, t in sorted(decl.items())})


def _version_of(exe: str) -> str:
    if exe == sys.executable:
        return ".".join(map(str, sys.version_info[:3]))
    try:
        r = subprocess.run([exe, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValueError(f"python {exe!r} does not run: {exc}") from None
    if r.returncode != 0:
        raise ValueError(f"python {exe!r} does not run: {(r.stderr.strip().splitlines() or ['?'])[-1]}")
    return r.stdout.strip()
