#!/usr/bin/env python3
"""Vendor the KRDS design system (npm package ``krds-uiux``) into app/static/krds/.

Usage:
    python scripts/vendor_krds.py                  # npm pack krds-uiux@KRDS_VERSION and vendor it
    python scripts/vendor_krds.py --tarball X.tgz  # vendor from an already downloaded tarball
    python scripts/vendor_krds.py --check          # only verify the vendored tree (no network)

What it does (Python 3.11 stdlib only; needs ``npm`` unless --tarball/--check is given):

* fetches ``krds-uiux@KRDS_VERSION`` with ``npm pack`` into a temporary directory and checks the
  tarball against the pinned npm integrity hash (KRDS_INTEGRITY);
* copies ``resources/css/token/krds_tokens.css``, ``resources/css/common/common.css`` (which
  @imports the tokens) and ``resources/css/component/component.css`` to ``app/static/krds/css/...``
  keeping the relative layout, so their ``url(../../img/...)`` references resolve;
* fixes the doubled ``img/img/`` path segment of the icon URLs in component.css, removes the
  ``sourceMappingURL`` comments (the .map files are not vendored) and neutralises any url() or
  @import that points to an external host (none in 1.1.0; each one would be reported);
* copies only the images those CSS files reference (into ``app/static/krds/img/...``) and only the
  ``PretendardGOV-*.subset.woff2`` fonts (into ``app/static/krds/fonts/``);
* generates ``app/static/krds/css/fonts.css`` with one @font-face per font file (weight taken
  from the file name), because the KRDS CSS names ``Pretendard GOV`` but never declares it;
* writes ``LICENSE`` (the package ships no licence file: see the generated text) and ``VERSION``;
* verifies that no url()/@import in the vendored CSS is external and that every relative one
  resolves to a vendored file; exits non-zero otherwise.

The tree is built in a temporary sibling directory, verified, then swapped in, so re-running
replaces app/static/krds/ cleanly and a failed run leaves the previous tree untouched.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import posixpath
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

KRDS_PACKAGE = "krds-uiux"
KRDS_VERSION = "1.1.0"
# `npm view krds-uiux@1.1.0 dist.integrity`; update together with KRDS_VERSION.
KRDS_INTEGRITY = "sha512-4cjL3cpnlTaDrkivVceDpWhHxUYgV2AhiRRbO74I8ZKlnM17BcutEjPOlMOz9RQGAmdEubTsSYoyKFhvD1/g+A=="

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = REPO_ROOT / "app" / "static" / "krds"

# Package paths (relative to "package/resources/") of the stylesheets we serve. Their location
# relative to resources/ is kept under the destination's css/ so relative url()s keep working.
CSS_FILES = (
    "css/token/krds_tokens.css",
    "css/common/common.css",
    "css/component/component.css",
)
FONT_GLOB = re.compile(r"^fonts/PretendardGOV-([A-Za-z]+)\.subset\.woff2$")
FONT_FAMILY = "Pretendard GOV"
FONT_WEIGHTS = {
    "Thin": 100,
    "ExtraLight": 200,
    "Light": 300,
    "Regular": 400,
    "Medium": 500,
    "SemiBold": 600,
    "Bold": 700,
    "ExtraBold": 800,
    "Black": 900,
}
FONTS_CSS = "css/fonts.css"

# url( "x" ) / url('x') / url(x)
URL_RE = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)""", re.IGNORECASE
)
# @import "x"; / @import 'x'; / @import url(x) ...;
IMPORT_RE = re.compile(
    r"""@import\s+(?:url\(\s*)?(?:"([^"]*)"|'([^']*)'|([^)"'\s;]+))\s*\)?[^;]*;""",
    re.IGNORECASE,
)
COMMENT_RE = re.compile(r"/\*.*?\*/", re.S)
SOURCEMAP_RE = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/\s*")
EXTERNAL_RE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE
)  # http://, https://, //host
DOUBLED_IMG = "../../img/img/"
FIXED_IMG = "../../img/"


class VendorError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[vendor_krds] {msg}", flush=True)


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def npm_pack(workdir: Path) -> Path:
    spec = f"{KRDS_PACKAGE}@{KRDS_VERSION}"
    log(f"npm pack {spec}")
    try:
        proc = subprocess.run(
            ["npm", "pack", spec, "--json", "--ignore-scripts"],
            cwd=workdir,
            check=True,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError as exc:
        raise VendorError("npm not found on PATH (or use --tarball)") from exc
    except subprocess.CalledProcessError as exc:
        raise VendorError(f"npm pack failed:\n{exc.stderr.strip()}") from exc
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as exc:
        tgzs = sorted(workdir.glob("*.tgz"))
        if len(tgzs) != 1:
            raise VendorError(
                f"cannot find the tarball written by npm pack in {workdir}"
            ) from exc
        return tgzs[0]
    return workdir / filename


def read_package(tarball: Path) -> dict[str, bytes]:
    """Return {path under package/: bytes} for every regular file of the npm tarball."""
    data = tarball.read_bytes()
    got = integrity_of(data)
    if got != KRDS_INTEGRITY:
        raise VendorError(
            f"{tarball.name}: integrity {got} does not match the pinned {KRDS_INTEGRITY}"
        )
    files: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            name = posixpath.normpath(member.name)
            if not name.startswith("package/") or ".." in name.split("/"):
                continue
            fh = tar.extractfile(member)
            assert fh is not None
            files[name[len("package/") :]] = fh.read()
    manifest = json.loads(files["package.json"])
    if manifest.get("name") != KRDS_PACKAGE or manifest.get("version") != KRDS_VERSION:
        raise VendorError(
            f"tarball is {manifest.get('name')}@{manifest.get('version')}, "
            f"expected {KRDS_PACKAGE}@{KRDS_VERSION}"
        )
    return files


def url_refs(css: str) -> list[str]:
    css = COMMENT_RE.sub("", css)
    refs = [next(g for g in m.groups() if g is not None) for m in URL_RE.finditer(css)]
    refs += [
        next(g for g in m.groups() if g is not None) for m in IMPORT_RE.finditer(css)
    ]
    return refs


def is_local_ref(ref: str) -> bool:
    """True for references that must resolve to a vendored file."""
    ref = ref.strip()
    return (
        bool(ref) and not ref.startswith(("data:", "#")) and not EXTERNAL_RE.match(ref)
    )


def resolve(css_path: str, ref: str) -> str:
    """Resolve ref (relative to css_path, both relative to resources/) to a resources/ path."""
    ref = ref.split("#", 1)[0].split("?", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(css_path), ref))


def process_css(path: str, text: str, report: dict) -> str:
    # 1. the doubled path segment of the icon URLs
    n = text.count(DOUBLED_IMG)
    if n:
        text = text.replace(DOUBLED_IMG, FIXED_IMG)
        report["fixed_doubled_img"][path] = n
    # 2. source-map comments: the .map files are not vendored
    text, n = SOURCEMAP_RE.subn("", text)
    if n:
        report["sourcemap_comments_removed"][path] = n

    # 3. external references: drop @import rules, replace url() by `none`
    def drop_import(m: re.Match) -> str:
        ref = next(g for g in m.groups() if g is not None)
        if EXTERNAL_RE.match(ref.strip()):
            report["external_removed"].append(f"{path}: @import {ref}")
            return f"/* vendor_krds.py removed an external import: {ref} */"
        return m.group(0)

    def drop_url(m: re.Match) -> str:
        ref = next(g for g in m.groups() if g is not None)
        if EXTERNAL_RE.match(ref.strip()):
            report["external_removed"].append(f"{path}: url({ref}) -> none")
            return "none"
        return m.group(0)

    text = IMPORT_RE.sub(drop_import, text)
    text = URL_RE.sub(drop_url, text)
    return text


def font_face_css(font_files: list[str]) -> str:
    out = [
        '@charset "utf-8";',
        f"/* Generated by scripts/vendor_krds.py from {KRDS_PACKAGE}@{KRDS_VERSION}: the KRDS",
        f'   stylesheets use font-family "{FONT_FAMILY}" (token --krds-typo-font-type) but',
        "   declare no @font-face. Subset fonts, weight from the file name. */",
    ]
    entries = []
    for rel in font_files:
        style = FONT_GLOB.match(rel).group(1)  # type: ignore[union-attr]
        if style not in FONT_WEIGHTS:
            raise VendorError(f"unknown font weight name {style!r} in {rel}")
        entries.append((FONT_WEIGHTS[style], posixpath.basename(rel)))
    for weight, name in sorted(entries):
        out.append(
            "@font-face {\n"
            f'  font-family: "{FONT_FAMILY}";\n'
            "  font-style: normal;\n"
            f"  font-weight: {weight};\n"
            "  font-display: swap;\n"
            f'  src: url("../fonts/{name}") format("woff2");\n'
            "}"
        )
    return "\n".join(out) + "\n"


def licence_text(files: dict[str, bytes]) -> str:
    manifest = json.loads(files["package.json"])
    readme = files.get("README.md", b"").decode("utf-8", "replace")
    # the README's own licence section (Korean: "copyright and licence")
    m = re.search(r"^##\s*저작권 및 라이선스.*?(?=^##\s|\Z)", readme, re.M | re.S)
    section = m.group(0).strip() if m else "(no licence section found in README.md)"
    upstream = [n for n in files if re.search(r"(^|/)(LICEN[CS]E|COPYING)", n, re.I)]
    lines = [
        f"{KRDS_PACKAGE} {KRDS_VERSION} - Korea Responsive Design System (KRDS) HTML component kit",
        f"Source: https://www.npmjs.com/package/{KRDS_PACKAGE}/v/{KRDS_VERSION}",
        f"Tarball integrity: {KRDS_INTEGRITY}",
        "",
        f'package.json "license": {manifest.get("license")!r}',
        f'package.json "author": {manifest.get("author")!r}',
        "",
    ]
    if upstream:
        for name in sorted(upstream):
            lines += [
                f"---- {name} (verbatim) ----",
                files[name].decode("utf-8", "replace"),
                "",
            ]
    else:
        lines += [
            "The npm package ships no LICENSE file. Its package.json declares the ISC licence; its",
            "README.md says, verbatim:",
            "",
            section,
            "",
        ]
    lines += [
        "Vendored here by scripts/vendor_krds.py: three stylesheets (icon paths fixed, source-map",
        "comments removed), the icons they reference and the PretendardGOV subset WOFF2 fonts;",
        "css/fonts.css is generated.",
    ]
    return "\n".join(lines) + "\n"


def verify(root: Path) -> list[str]:
    """Return a list of problems with the vendored tree at root (empty list = OK)."""
    problems: list[str] = []
    if not root.is_dir():
        return [f"{root} does not exist"]
    for name in ("LICENSE", "VERSION", FONTS_CSS, *CSS_FILES):
        if not (root / name).is_file():
            problems.append(f"missing {name}")
    for css_file in sorted(root.rglob("*.css")):
        rel = css_file.relative_to(root).as_posix()
        text = css_file.read_text(encoding="utf-8")
        if "sourceMappingURL" in text:
            problems.append(f"{rel}: still has a sourceMappingURL comment")
        for ref in url_refs(text):
            r = ref.strip()
            if EXTERNAL_RE.match(r):
                problems.append(f"{rel}: external reference {ref}")
            elif is_local_ref(r):
                target = resolve(rel, r)
                if target.startswith("../") or not (root / target).is_file():
                    problems.append(f"{rel}: url({ref}) does not resolve ({target})")
    return list(dict.fromkeys(problems))  # de-duplicated, in order


def build(files: dict[str, bytes], stage: Path) -> dict:
    report: dict = {
        "fixed_doubled_img": {},
        "sourcemap_comments_removed": {},
        "external_removed": [],
        "images": [],
        "fonts": [],
    }
    res = {
        k[len("resources/") :]: v
        for k, v in files.items()
        if k.startswith("resources/")
    }

    needed: set[str] = set()
    for path in CSS_FILES:
        if path not in res:
            raise VendorError(f"package has no resources/{path}")
        text = process_css(path, res[path].decode("utf-8"), report)
        out = stage / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        for ref in url_refs(text):
            if is_local_ref(ref):
                needed.add(resolve(path, ref.strip()))

    missing = []
    for target in sorted(needed):
        if target in CSS_FILES:
            continue  # an @import of another vendored stylesheet
        if target.startswith("../") or target not in res:
            missing.append(target)
            continue
        out = stage / target
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(res[target])
        report["images"].append(target)
    if missing:
        raise VendorError(
            "referenced by the CSS but not in the package: " + ", ".join(missing)
        )

    fonts = sorted(p for p in res if FONT_GLOB.match(p))
    if not fonts:
        raise VendorError(
            "no resources/fonts/PretendardGOV-*.subset.woff2 in the package"
        )
    for rel in fonts:
        out = stage / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(res[rel])
    report["fonts"] = fonts
    (stage / FONTS_CSS).write_text(font_face_css(fonts), encoding="utf-8")

    (stage / "LICENSE").write_text(licence_text(files), encoding="utf-8")
    (stage / "VERSION").write_text(KRDS_VERSION + "\n", encoding="utf-8")
    return report


def tree_size(root: Path) -> tuple[int, int]:
    sizes = [p.stat().st_size for p in root.rglob("*") if p.is_file()]
    return len(sizes), sum(sizes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--dest", type=Path, default=DEFAULT_DEST, help="default: app/static/krds"
    )
    ap.add_argument(
        "--tarball", type=Path, help=f"use this {KRDS_PACKAGE}-{KRDS_VERSION}.tgz"
    )
    ap.add_argument(
        "--check", action="store_true", help="only verify the existing tree"
    )
    args = ap.parse_args(argv)
    dest: Path = args.dest.resolve()

    if args.check:
        problems = verify(dest)
        if (dest / "VERSION").is_file():
            have = (dest / "VERSION").read_text(encoding="utf-8").strip()
            if have != KRDS_VERSION:
                problems.append(f"VERSION is {have}, script pins {KRDS_VERSION}")
        for p in problems:
            log(f"ERROR {p}")
        if not problems:
            n, size = tree_size(dest)
            log(f"OK: {dest} ({n} files, {size:,} bytes)")
        return 1 if problems else 0

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="krds-pack-") as tmp:
        tarball = args.tarball.resolve() if args.tarball else npm_pack(Path(tmp))
        files = read_package(tarball)

    stage = Path(tempfile.mkdtemp(prefix=".krds-stage-", dir=dest.parent))
    stage.chmod(
        0o755
    )  # mkdtemp creates it 0700; the web server must be able to read it
    try:
        report = build(files, stage)
        problems = verify(stage)
        if problems:
            for p in problems:
                log(f"ERROR {p}")
            raise VendorError(f"verification failed ({len(problems)} problems)")
        old = None
        if dest.exists():
            old = dest.with_name(f".{dest.name}-old")
            shutil.rmtree(old, ignore_errors=True)
            dest.rename(old)
        stage.rename(dest)
        if old is not None:
            shutil.rmtree(old)
    finally:
        shutil.rmtree(stage, ignore_errors=True)

    for path, n in report["fixed_doubled_img"].items():
        log(f"fixed {n} doubled 'img/img/' URLs in {path}")
    for path, n in report["sourcemap_comments_removed"].items():
        log(f"removed {n} sourceMappingURL comment(s) from {path}")
    if report["external_removed"]:
        for item in report["external_removed"]:
            log(f"removed external reference: {item}")
    else:
        log("no external (http/https/protocol-relative) url() or @import found")
    log(f"copied {len(report['images'])} images and {len(report['fonts'])} fonts")
    n, size = tree_size(dest)
    log(f"OK: {KRDS_PACKAGE}@{KRDS_VERSION} -> {dest} ({n} files, {size:,} bytes)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except VendorError as exc:
        log(f"ERROR {exc}")
        sys.exit(1)
