import pytest

from tools.edits import (EditError, code_blocks, diff_block, rewrite_file, rewrite_function, search_replace,
                         splice_definitions, unified_diff)

SRC = "import os\n\n\nclass A:\n    def f(self, x):\n        return x + 1\n\n    def g(self):\n        return 2\n\n\ndef h():\n    return 3\n"


def test_code_blocks_takes_fenced_or_unclosed():
    assert code_blocks("text\n```python\nx = 1\n```\n") == ["x = 1"]
    assert code_blocks("```py\nx = 2\n") == ["x = 2"]
    assert code_blocks("x = 3") == ["x = 3"]


def test_a_fence_quoted_in_a_sentence_does_not_open_the_block():
    # the 1.5B quoted the prompt's instruction before its code (test split, mdtable-1): the inline ``` was
    # taken for the block's start, the real opening fence for its end, and the reply read as no code block
    reply = ("Escape the pipe.\n\nThe corrected file in one ```python block, changing only what the fix needs:"
             "\n\n```python\ndef h():\n    return 4\n```\n\nThis escapes it.")
    assert code_blocks(reply) == ["def h():\n    return 4"]
    assert "return 4" in rewrite_file("def h():\n    return 3\n", reply)
    assert code_blocks("  ```python\nx = 5\n  ```\n") == ["x = 5"]  # an indented fence (in a list)
    assert code_blocks("Here: ```python\nx = 6\n```\n\nThis fixes it.") == ["x = 6"]  # a fence after text
    assert code_blocks("```python title=fix.py\nx = 7\n```") == ["x = 7"]  # no strict fence: any counts
    # a diff reply is read by the same rule
    assert diff_block("Reply in one ```diff block, as before:\n\n```diff\n@@ -1 +1 @@\n-x\n+y\n```") == \
        "@@ -1 +1 @@\n-x\n+y"


def test_rewrite_function_reindents_methods():
    new = rewrite_function(SRC, "A.f", "Here:\n```python\ndef f(self, x):\n    return x + 2\n```")
    assert "    def f(self, x):\n        return x + 2\n" in new and "def h" in new


def test_rewrite_function_accepts_the_method_inside_a_class_block():
    new = rewrite_function(SRC, "f", "```python\nclass A:\n    def f(self, x):\n        return x * 2\n```")
    assert "        return x * 2\n" in new


@pytest.mark.parametrize("reply,msg", [("```python\ndef other():\n    pass\n```", "no definition"),
                                       ("```python\ndef h(:\n```", "no definition")])
def test_rewrite_function_errors(reply, msg):
    with pytest.raises(EditError, match=msg):
        rewrite_function(SRC, "h", reply)


def test_rewrite_function_with_others_takes_another_function_of_the_file():
    """Shown the whole file, a model may rewrite another of its functions than the localized one."""
    new = rewrite_function(SRC, "h", "```python\ndef f(self, x):\n    return x * 3\n```", others=True)
    assert "        return x * 3\n" in new and new.replace("x * 3", "x + 1") == SRC
    with pytest.raises(EditError, match="no definition"):   # without `others`: the localized one only
        rewrite_function(SRC, "h", "```python\ndef f(self, x):\n    return x * 3\n```")
    with pytest.raises(EditError, match="redefines none"):  # nor a function the file lacks
        rewrite_function(SRC, "h", "```python\ndef other():\n    pass\n```", others=True)


def test_rewrite_file_rejects_truncation_and_syntax_errors():
    long = "\n".join(f"x{i} = {i}" for i in range(40)) + "\n"
    with pytest.raises(EditError, match="truncated"):
        rewrite_file(long, "```python\nx0 = 0\n# ... rest unchanged\n```")
    with pytest.raises(EditError, match="does not parse"):
        rewrite_file(long, "```python\ndef (:\n```")
    assert rewrite_file(SRC, "```python\n" + SRC.replace("x + 1", "x - 1") + "```").count("x - 1") == 1


def test_rewrite_file_splices_a_partial_reply_into_the_file():
    """Asked for the whole file, small models often answer with the one method they changed."""
    big = SRC + "".join(f"\n\ndef pad{i}():\n    return {i}\n" for i in range(4))
    new = rewrite_file(big, "The bug is in f.\n```python\ndef f(self, x):\n    return x + 100\n```")
    assert "    def f(self, x):\n        return x + 100\n" in new
    assert new.replace("x + 100", "x + 1") == big
    # a qualified class block and a top-level function in one reply
    both = splice_definitions(big, "```python\nclass A:\n    def g(self):\n        return 5\n```\n"
                                   "```python\ndef h():\n    return 6\n```")
    assert "        return 5\n" in both and "    return 6\n" in both and "x + 1" in both
    with pytest.raises(EditError, match="redefines none"):
        rewrite_file(big, "```python\ndef unrelated():\n    pass\n```")
    twice = big + "\n\nclass B:\n    def f(self, x):\n        return x\n"
    with pytest.raises(EditError, match="redefines none"):  # `f` is ambiguous: A.f or B.f
        splice_definitions(twice, "```python\ndef f(self, x):\n    return 0\n```")


def test_search_replace_tolerates_indentation_and_paths():
    files = {"pkg/mod.py": SRC}
    resolve = lambda p: "pkg/mod.py" if p.endswith("mod.py") else None  # noqa: E731
    out = search_replace(files, "path/to/mod.py\n<<<<<<< SEARCH\ndef g(self):\n    return 2\n=======\n"
                                "def g(self):\n    return 20\n>>>>>>> REPLACE\n", resolve)
    assert "        return 20\n" in out["pkg/mod.py"]
    with pytest.raises(EditError, match="not found"):
        search_replace(files, "mod.py\n<<<<<<< SEARCH\nnope\n=======\nx\n>>>>>>> REPLACE", resolve)
    with pytest.raises(EditError, match="no SEARCH/REPLACE"):
        search_replace(files, "just prose", resolve)


def test_unified_diff_applies_with_git(tmp_path):
    import subprocess

    (tmp_path / "m.py").write_text(SRC)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    new = SRC.replace("return 3", "return 4")
    patch = unified_diff({"m.py": (SRC, new)})
    (tmp_path / "p.diff").write_text(patch)
    subprocess.run(["git", "apply", "p.diff"], cwd=tmp_path, check=True)
    assert (tmp_path / "m.py").read_text() == new
    assert unified_diff({"m.py": (SRC, SRC)}) == ""


@pytest.mark.parametrize("old,new", [
    ("a = 1\nb = 2\nc = 3\n", "a = 1\nb = 20\nc = 3\n"),
    ("a = 1\nb = 2\n", "a = 1\nb = 2\nc = 3"),              # the new file ends without a newline
    ("a = 1\nb = 2", "a = 1\nb = 3"),                        # neither does
    ("".join(f"x{i} = {i}\n" for i in range(40)),
     "y = 0\n" + "".join(f"x{i} = {i}\n" for i in range(40) if i not in (5, 30)) + "z = 1\n"),
    ("", "a = 1\n"),
])
def test_apply_unified_inverts_unified_diff(old, new):
    from tools.patches import apply_unified

    assert apply_unified(old, unified_diff({"m.py": (old, new)})) == new


def test_apply_unified_rejects_a_patch_for_other_text():
    from tools.patches import apply_unified

    patch = unified_diff({"m.py": ("a = 1\nb = 2\n", "a = 1\nb = 3\n")})
    with pytest.raises(EditError, match="does not match line"):
        apply_unified("a = 1\nb = 9\n", patch)


def test_ablations_leave_out_one_change_then_keep_one_alone():
    from tools.patches import ablations

    old = "A = 1\n\n\ndef f():\n    return A\n\n\ndef g():\n    return 2\n"
    new = "B = 1\n\n\ndef f():\n    return A + 1\n\n\ndef g():\n    return 3\n"
    out = ablations(old, new, limit=10)
    labels = [label for label, _ in out]
    assert labels[:3] == ["without change 1 of 3 (line 1)", "without change 2 of 3 (line 5)",
                          "without change 3 of 3 (line 9)"]
    assert dict(out)["without change 1 of 3 (line 1)"] == new.replace("B = 1", "A = 1")
    assert dict(out)["only change 2 of 3 (line 5)"] == old.replace("return A\n", "return A + 1\n")
    assert len(ablations(old, new, limit=2)) == 2
    assert ablations(old, old.replace("return 2", "return 3")) == []       # one change: nothing smaller


def test_ablations_skip_versions_that_do_not_parse():
    from tools.patches import ablations

    old = "a = 1\n# note\nc = 3\n\nd = 4\n"
    new = "a = (1,\n# note\n2)\n\nd = 5\n"      # changes 1 and 2 only parse together
    out = ablations(old, new, limit=10)
    assert [label for label, _ in out] == ["without change 3 of 3 (line 5)", "only change 3 of 3 (line 5)"]
    assert out[0][1] == "a = (1,\n# note\n2)\n\nd = 4\n"


def test_complete_prefix_keeps_the_finished_definitions_of_a_cut_off_reply():
    from tools.edits import complete_prefix

    cut = ("import pytest\nfrom m import f\n\n\n@pytest.mark.parametrize('x', [1, 2])\ndef test_a(x):\n"
           "    assert f(x) == x\n\n\ndef test_b():\n    assert f(3) == (\n        3,")
    assert complete_prefix(cut) == cut[:cut.index("def test_b")]
    assert complete_prefix("def test_a():\n    pass\n") == "def test_a():\n    pass\n"
    with pytest.raises(EditError, match="no complete statement"):
        complete_prefix("def test_a(:\n")


MODEL_DIFF = """Here is the fix:
```python
--- a/mod.py
+++ b/mod.py
@@ -40,4 +40,4 @@
 class A:
     def f(self, x):
-        return x + 1
+        return x + 2

```
"""


def test_a_diff_reply_is_applied_by_its_text_not_its_line_numbers():
    from tools.edits import apply_diff_reply, diff_block

    block = diff_block(MODEL_DIFF)
    assert block is not None and diff_block("```python\ndef f():\n    return 1\n```") is None
    assert apply_diff_reply(SRC, block, "mod.py") == SRC.replace("return x + 1", "return x + 2")
    # a ```diff block with no headers, its blank context line without the leading space
    loose = "```diff\n\n def h():\n-    return 3\n+    return 4\n```"
    assert apply_diff_reply(SRC, diff_block(loose), "mod.py") == SRC.replace("return 3", "return 4")


def test_a_diff_reply_that_does_not_fit_says_why():
    from tools.edits import apply_diff_reply

    with pytest.raises(EditError, match="SEARCH text not found"):
        apply_diff_reply(SRC, "@@ -1 +1 @@\n-    return 99\n+    return 100\n", "mod.py")
    with pytest.raises(EditError, match="does not parse"):
        apply_diff_reply(SRC, "@@ -1 +1 @@\n-    return 3\n+    return (3\n", "mod.py")


def test_ablations_leave_out_the_change_the_failing_tests_blame_first():
    from tools.patches import ablations, blamed_names

    old = "\"\"\"Doc.\"\"\"\nimport os\n\n_MISSING = object()\n\n\ndef get(d, k):\n    return d.get(k, _MISSING)\n\n\ndef clear(d):\n    d.clear()\n"
    new = old.replace("\"\"\"Doc.\"\"\"\n", "").replace("_MISSING = object()", "MISSING = object()").replace(
        "    d.clear()\n", "    d.clear()\n    d.hits = 0\n")
    blamed = blamed_names(["E   NameError: name '_MISSING' is not defined", "has no attribute 'zz'"])
    assert blamed == {"_MISSING", "zz"}
    first_label, first_text = ablations(old, new, limit=10, blamed=blamed)[0]
    assert first_label.startswith("without change 2 of 3")
    assert "_MISSING = object()" in first_text and "d.hits = 0" in first_text and "Doc" not in first_text
    # without blame the order is the file's
    assert ablations(old, new, limit=10)[0][0].startswith("without change 1 of")
