"""Host-side git on a workspace that sandboxed code has written to (issue 10, item 1).

Each attack here is what code in a sandbox can do to the worktree once `make_tree_writable` ran
(the sandbox is simulated by writing the files directly, as root, i.e. the worst case: files the
host owns). The host then runs its usual calls (diff, apply_patch, close); none may run anything.
The same attacks through real sandboxes are in test_escape.py.
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from sbx_helpers import FIX_ADD_PATCH, make_calc_repo

from sandboxes import _overlay
from sandboxes._fs import make_tree_writable
from sandboxes.workspace import PatchError, WorkspaceManager

pytestmark = pytest.mark.escape  # host-side attacks: part of the escape suite (`pytest -m escape`)


@pytest.fixture(params=["checkout", "overlay"])
def manager(request, tmp_path):
    if request.param == "overlay" and not _overlay.overlay_supported(str(tmp_path)):
        pytest.skip("overlay workspaces need root and overlayfs on the temp dir")
    mgr = WorkspaceManager(make_calc_repo(tmp_path / "repo"), root=tmp_path / "pool", mode=request.param)
    yield mgr
    for entry in mgr.root.iterdir():  # a failed test leaves its workspace open: never leak a mount
        _overlay.unmount(entry / "tree")


def plant_gitdir(where: Path, marker: Path) -> None:
    """A git dir whose config runs `touch marker` as fsmonitor, and whose hooks do the same."""
    subprocess.run(["git", "init", "-q", "--bare", str(where)], check=True)
    with open(where / "config", "a") as f:
        f.write(f"[core]\n\tbare = false\n\tfsmonitor = touch {marker}.fsmonitor\n")
    for hook in ("post-index-change", "post-checkout", "pre-commit", "reference-transaction"):
        (where / "hooks" / hook).write_text(f"#!/bin/sh\ntouch {marker}.{hook}\n")
        (where / "hooks" / hook).chmod(0o755)


def fired(marker: Path) -> list[str]:
    return sorted(p.name for p in marker.parent.glob(marker.name + ".*"))


def host_calls(ws) -> list[str]:
    """What the host does with a workspace after a sandbox ran in it. Returns the errors (after
    all calls ran: the markers are checked first, so an old failure shows what fired)."""
    errors = []
    calls = [ws.diff, ws.diff,  # twice: a nested repository `git add` recorded is entered the second time
             lambda: ws.apply_patch(FIX_ADD_PATCH), ws.diff, ws.close]
    for call in calls:
        try:
            call()
        except PatchError:
            pass  # the attack may have broken the patch's target: refusing it is fine
        except Exception as exc:  # noqa: BLE001 - collected, asserted by the caller
            errors.append(f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}")
    return errors


@pytest.mark.parametrize("gitdir_line", ["absolute", "relative"])
def test_dotgit_pointed_at_a_planted_gitdir_runs_nothing(manager, tmp_path, gitdir_line):
    marker = tmp_path / "MARKER"
    ws = manager.create()
    make_tree_writable(ws.path)
    plant_gitdir(ws.path / "evil", marker)
    target = ws.path / "evil" if gitdir_line == "absolute" else "evil"
    os.chmod(ws.path / ".git", 0o666)  # as the old make_tree_writable left it
    (ws.path / ".git").write_text(f"gitdir: {target}\n")
    errors = host_calls(ws)
    assert fired(marker) == []
    assert errors == [] and not ws.path.exists()


def test_dotgit_replaced_by_a_planted_gitdir_directory_runs_nothing(manager, tmp_path):
    marker = tmp_path / "MARKER"
    ws = manager.create()
    (ws.path / ".git").unlink()
    plant_gitdir(ws.path / ".git", marker)
    errors = host_calls(ws)
    assert fired(marker) == []
    assert errors == [] and not ws.path.exists()


def test_nested_repository_config_runs_nothing(manager, tmp_path):
    """`git add` runs `git status` inside every nested repository it has recorded, with that
    repository's own config (fsmonitor here; a clean filter works the same way)."""
    marker = tmp_path / "MARKER"
    ws = manager.create()
    sub = ws.path / "sub"
    sub.mkdir()
    (sub / "a.txt").write_text("one\n")
    git = ["git", "-C", str(sub), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "a.txt"], ["commit", "-qm", "x"]):
        subprocess.run(git + args, check=True)
    with open(sub / ".git" / "config", "a") as f:
        f.write(f'[core]\n\tfsmonitor = touch {marker}.fsmonitor\n'
                f'[filter "x"]\n\tclean = sh -c "touch {marker}.filter; cat"\n')
    (sub / ".gitattributes").write_text("a.txt filter=x\n")
    ws.diff()
    (sub / "a.txt").write_text("two\n")
    errors = host_calls(ws)
    assert fired(marker) == []
    assert errors == []


def test_nested_repository_without_commits_does_not_break_diff(manager):
    ws = manager.create()
    subprocess.run(["git", "init", "-q", str(ws.path / "sub")], check=True)
    (ws.path / "new.py").write_text("x = 1\n")
    assert "new.py" in ws.diff()  # git add fails on such a link ("does not have a commit checked out")
    ws.close()


def test_planted_symlinks_are_not_followed(manager, tmp_path):
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir(mode=0o700)
    secret = host_dir / "secret"
    secret.write_text("host secret\n")
    secret.chmod(0o600)
    ws = manager.create()
    (ws.path / "calc.py").unlink()
    (ws.path / "calc.py").symlink_to(secret)  # the patch targets calc.py
    (ws.path / "linkdir").symlink_to(host_dir)
    (ws.path / "ro").mkdir()
    (ws.path / "ro" / "inner").symlink_to(secret)
    (ws.path / "ro").chmod(0o500)  # _rmtree's chmod fallback must not chmod through the link
    with pytest.raises(PatchError):
        ws.apply_patch(FIX_ADD_PATCH)
    diff = ws.diff()
    assert "host secret" not in diff and "new file mode 120000" in diff
    ws.close()
    assert secret.read_text() == "host secret\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert stat.S_IMODE(host_dir.stat().st_mode) == 0o700 and secret.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another local user")
def test_other_local_users_cannot_plant_files_in_workspaces_or_templates(manager, tmp_path):
    """Issue 10 item 4: the templates (lower layers of every future overlay workspace) and the
    workspaces are writable by the sandbox uids; no other local user may reach them."""
    top = Path(tempfile.mkdtemp(prefix="scaleagent-test-", dir="/tmp"))  # every parent traversable
    top.chmod(0o755)
    try:
        mgr = WorkspaceManager(manager.repo.working_dir, root=top / "pool", mode=manager.mode)
        ws = mgr.create()
        make_tree_writable(ws.path)  # as before a sandbox run
        targets = [ws.path]
        if mgr.mode == "overlay":
            targets.append(next(p for p in mgr.templates.iterdir() if p.is_dir()))
        for where in targets:
            r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "touch",
                                str(where / "planted.py")], capture_output=True, text=True)
            assert r.returncode != 0 and not (where / "planted.py").exists(), f"another user wrote into {where}"
        assert stat.S_IMODE(mgr.root.stat().st_mode) == 0o700
        ws.close()
        mgr.drop_templates()
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a directory another user owns")
def test_a_pool_root_owned_by_someone_else_is_refused(tmp_path):
    root = tmp_path / "squatted"
    root.mkdir()
    os.chown(root, 65534, 65534)
    with pytest.raises(OSError, match="not a directory owned by"):
        WorkspaceManager(make_calc_repo(tmp_path / "repo"), root=root, mode="checkout")


LINK_PATCH = """\
diff --git a/tests b/tests
new file mode 120000
--- /dev/null
+++ b/tests
@@ -0,0 +1 @@
+{target}
\\ No newline at end of file
"""


def test_write_file_never_follows_a_link_a_patch_made(manager, tmp_path):
    """A model patch can add a symlink (mode 120000) to anywhere on the host; a host-made file
    written "into" it as root must not land there."""
    host_dir = tmp_path / "host-dir"
    host_dir.mkdir()
    with manager.create() as ws:
        ws.apply_patch(LINK_PATCH.format(target=host_dir))
        assert (ws.path / "tests").is_symlink()
        for rel in ("tests/test_x.py", "tests", "../escape.py", "/abs.py", "a/../../b.py"):
            with pytest.raises(ValueError):
                ws.write_file(rel, "pwned\n")
        assert list(host_dir.iterdir()) == [] and not (ws.path.parent / "escape.py").exists()
        written = ws.write_file("new/pkg/test_ok.py", "ok\n")
        assert written == ws.path / "new/pkg/test_ok.py" and written.read_text() == "ok\n"
        ws.write_file("calc.py", b"replaced\n")
        assert (ws.path / "calc.py").read_text() == "replaced\n"
