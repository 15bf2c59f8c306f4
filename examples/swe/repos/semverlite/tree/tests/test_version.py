import pytest

from semverlite import InvalidVersion, Version


def test_parse_basic():
    v = Version.parse("1.2.3")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ()
    assert str(v) == "1.2.3"


def test_parse_prerelease_and_build():
    v = Version.parse("v2.0.0-rc.1+build.5")
    assert v.prerelease == ("rc", "1")
    assert v.build == ("build", "5")
    assert str(v) == "2.0.0-rc.1+build.5"


@pytest.mark.parametrize("text", ["1.2", "01.2.3", "1.2.3-", "a.b.c", ""])
def test_parse_invalid(text):
    with pytest.raises(InvalidVersion):
        Version.parse(text)


def test_core_ordering():
    assert Version.parse("1.2.3") < Version.parse("1.10.0")
    assert Version.parse("2.0.0") > Version.parse("1.99.99")


def test_prerelease_lower_than_release():
    assert Version.parse("1.0.0-alpha") < Version.parse("1.0.0")
    assert Version.parse("1.0.0-alpha") < Version.parse("1.0.0-beta")
    assert Version.parse("1.0.0-alpha") < Version.parse("1.0.0-alpha.1")


def test_build_metadata_ignored_for_equality():
    assert Version.parse("1.0.0+a") == Version.parse("1.0.0+b")
    assert hash(Version.parse("1.0.0+a")) == hash(Version.parse("1.0.0"))


def test_bumps():
    v = Version.parse("1.4.2")
    assert str(v.bump_major()) == "2.0.0"
    assert str(v.bump_minor()) == "1.5.0"
    assert str(v.bump_patch()) == "1.4.3"
    assert str(Version.parse("1.5.0-rc.1").bump_patch()) == "1.5.0"
