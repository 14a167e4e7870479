"""The vendored KRDS tree: `scripts/vendor_krds.py --check` passes offline, and catches a broken tree."""
import importlib.util
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDORED = ROOT / "app" / "static" / "krds"


@pytest.fixture(scope="module")
def vendor_krds():
    spec = importlib.util.spec_from_file_location("vendor_krds", ROOT / "scripts" / "vendor_krds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def copy(tmp_path):
    target = tmp_path / "krds"
    shutil.copytree(VENDORED, target)
    return target


def test_the_vendored_tree_passes_the_check_offline(vendor_krds, capsys):
    assert vendor_krds.verify(VENDORED) == []
    assert vendor_krds.main(["--check"]) == 0
    assert "OK:" in capsys.readouterr().out
    assert (VENDORED / "VERSION").read_text().strip() == vendor_krds.KRDS_VERSION
    assert "ISC" in (VENDORED / "LICENSE").read_text()


def test_the_check_fails_when_an_icon_the_css_uses_is_missing(vendor_krds, copy):
    icon = next((copy / "img").rglob("*.svg"))
    icon.unlink()
    problems = vendor_krds.verify(copy)
    assert problems and all("does not resolve" in p for p in problems)
    assert any(icon.name in p for p in problems)
    assert vendor_krds.main(["--check", "--dest", str(copy)]) == 1


def test_the_check_fails_on_an_external_reference(vendor_krds, copy):
    css = copy / "css" / "component" / "component.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n.x { background: url(https://www.krds.go.kr/x.png); }\n",
                   encoding="utf-8")
    assert vendor_krds.verify(copy) == ["css/component/component.css: external reference https://www.krds.go.kr/x.png"]


def test_the_check_fails_when_the_tree_is_another_version_than_the_script_pins(vendor_krds, copy, capsys):
    (copy / "VERSION").write_text("0.9.0\n")
    assert vendor_krds.main(["--check", "--dest", str(copy)]) == 1
    assert f"VERSION is 0.9.0, script pins {vendor_krds.KRDS_VERSION}" in capsys.readouterr().out


def test_the_check_fails_without_the_licence(vendor_krds, copy):
    (copy / "LICENSE").unlink()
    assert vendor_krds.verify(copy) == ["missing LICENSE"]
