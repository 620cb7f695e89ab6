"""The package as a platform engineer installs it.

The wheel and sdist are built once (from a copy of the work tree, so the build leaves
nothing in it), their metadata checked with `twine check --strict`, and the wheel
installed without extras in a clean virtualenv: `pip install hcinfra` must give a
working `hcinfra` with no emulator server in it. The tests are marked `package` and
share one xdist group, so one worker builds and installs once.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib.metadata import packages_distributions, requires
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from hcinfra import cli
from hcinfra.emulator import EXTRA_MODULES, INSTALL_HINT

REPO = Path(__file__).resolve().parents[1]
NETWORK = REPO / "stacks" / "network.yaml"

# The emulator's web server: never in a core install.
SERVER = {"uvicorn", "httptools", "uvloop", "starlette"}

pytestmark = [pytest.mark.package, pytest.mark.xdist_group("package")]


@dataclass(frozen=True)
class Dists:
    """The built distributions and the tree they were built from."""

    source: Path
    wheel: Path
    sdist: Path


def _run(*cmd: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command outside this test run's Python paths, with its output captured."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def _ok(*cmd: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command that must succeed; its output is the failure's message."""
    proc = _run(*cmd, cwd=cwd)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The wheel and sdist, built as `python -m build` does: the wheel from the sdist."""
    root = tmp_path_factory.mktemp("package")
    source = root / "src"
    # The whole tree but dot folders (.venv, .tools, .git, caches) and build leftovers:
    # tests/ and stacks/ are copied, so a wheel that took them in would show it.
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "*.egg-info", "build", "dist"),
    )
    _ok(sys.executable, "-m", "build", "--outdir", root / "dist", source)
    (wheel,) = (root / "dist").glob("hcinfra-*.whl")
    (sdist,) = (root / "dist").glob("hcinfra-*.tar.gz")
    return Dists(source=source, wheel=wheel, sdist=sdist)


@pytest.fixture(scope="module")
def core_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean virtualenv with the wheel installed, no extras; its bin folder."""
    venv = tmp_path_factory.mktemp("core") / "venv"
    # Installed into by this run's own pip (--python): a venv's bundled pip is older and,
    # with setting itself up, takes twice as long.
    _ok(sys.executable, "-m", "venv", "--without-pip", venv)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # --no-compile: byte-compiling msgraph-sdk's thousands of modules is most of the time.
    pip = (sys.executable, "-m", "pip", "--python", bin_dir / "python", "install")
    _ok(*pip, "--quiet", "--no-compile", dists.wheel)
    return bin_dir


def _metadata(wheel: Path) -> list[Requirement]:
    """The wheel's Requires-Dist, parsed."""
    with zipfile.ZipFile(wheel) as whl:
        (name,) = [n for n in whl.namelist() if n.endswith(".dist-info/METADATA")]
        headers = HeaderParser().parsestr(whl.read(name).decode())
    return [Requirement(r) for r in headers.get_all("Requires-Dist") or []]


def _in_core(req: Requirement, platform: str) -> bool:
    """Whether a core install (no extras) on `platform` installs this requirement."""
    return req.marker is None or req.marker.evaluate({"extra": "", "sys_platform": platform})


def test_twine_check_strict(dists: Dists) -> None:
    _ok(sys.executable, "-m", "twine", "check", "--strict", dists.wheel, dists.sdist)


def test_wheel_holds_every_file_of_the_package_and_nothing_else(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as whl:
        names = set(whl.namelist())
    package_files = {n for n in names if n.startswith("hcinfra/")}
    # Every file of the source package ships: each subpackage, py.typed, the YAML seeds
    # and profiles; a data file that package-data misses fails here.
    source = {
        p.relative_to(dists.source).as_posix()
        for p in (dists.source / "hcinfra").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert package_files == source
    for data in ("py.typed", "emulator/seeds/default.yaml", "emulator/profiles/realistic.yaml"):
        assert f"hcinfra/{data}" in names
    others = {n.split("/")[0] for n in names - package_files}
    assert others == {dists.wheel.name.split("-py3")[0] + ".dist-info"}


def test_sdist_holds_the_package_and_no_tests(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"PKG-INFO", "pyproject.toml", "README.md", "hcinfra/py.typed"} <= names
    assert "hcinfra/emulator/seeds/default.yaml" in names
    assert not {n for n in names if n.split("/")[0] in ("tests", "stacks", "bench", "docs")}


def test_requires_dist_keeps_the_server_in_the_emulator_extra(dists: Dists) -> None:
    reqs = _metadata(dists.wheel)
    core = {canonicalize_name(r.name) for r in reqs if r.marker is None}
    # No core requirement depends on the platform: every one installs everywhere.
    assert all(_in_core(r, "win32") == _in_core(r, "linux") for r in reqs)
    assert not core & SERVER, "the emulator's server is in the core install"
    server = [r for r in reqs if canonicalize_name(r.name) in SERVER]
    assert {canonicalize_name(r.name) for r in server} == {"uvicorn", "httptools", "uvloop"}
    for req in server:
        assert req.marker is not None
        assert req.marker.evaluate({"extra": "emulator", "sys_platform": "linux"})
        assert not req.marker.evaluate({"extra": "", "sys_platform": "linux"})
        assert not req.marker.evaluate({"extra": "dev", "sys_platform": "linux"})
    (uvloop,) = [r for r in server if r.name == "uvloop"]
    assert uvloop.marker is not None
    assert not uvloop.marker.evaluate({"extra": "emulator", "sys_platform": "win32"})


def test_core_install_runs_the_cli(core_venv: Path, tmp_path: Path) -> None:
    hcinfra = core_venv / "hcinfra"
    assert "validate" in _ok(hcinfra, "--help", cwd=tmp_path).stdout
    proc = _ok(hcinfra, "validate", "--network", NETWORK, cwd=tmp_path)
    assert ": valid (" in proc.stdout
    # The installed wheel, not the work tree, and none of the emulator's server.
    code = (
        "import importlib.util, hcinfra, hcinfra.cli, hcinfra.resources; "
        f"print(hcinfra.__file__); print([m for m in {sorted(SERVER)!r} "
        "if importlib.util.find_spec(m)])"
    )
    where, server = _ok(core_venv / "python", "-c", code, cwd=tmp_path).stdout.splitlines()
    assert Path(where).is_relative_to(core_venv.parent)
    assert server == "[]"


def test_core_install_says_to_install_the_emulator_extra(core_venv: Path, tmp_path: Path) -> None:
    proc = _run(core_venv / "hcinfra", "emulator", "serve", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"hcinfra emulator serve: {INSTALL_HINT} (uvicorn")
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_emulator_serve_without_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a)
    )
    assert cli.main(["emulator", "serve"]) == 1
    err = capsys.readouterr().err
    assert err == f"hcinfra emulator serve: {INSTALL_HINT} (uvicorn missing)\n"


def test_extra_modules_name_the_emulator_extra() -> None:
    extra = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["emulator"]
    # Those without a marker: the ones every platform has, which `serve` checks for.
    required = {canonicalize_name(Requirement(r).name) for r in extra if ";" not in r}
    owners = packages_distributions()
    checked = {canonicalize_name(d) for m in EXTRA_MODULES for d in owners[m]}
    assert checked == required


def _imported(files: Iterable[Path]) -> set[str]:
    """The top-level modules that these Python files import."""
    names: set[str] = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def test_every_core_dependency_is_imported_outside_the_emulator() -> None:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "dependencies"
    ]
    emulator = REPO / "hcinfra" / "emulator"
    code = [*(REPO / "hcinfra").rglob("*.py"), *(REPO / "stacks").rglob("*.py")]
    imported = _imported(p for p in code if not p.is_relative_to(emulator))
    owners: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for dist in dists:
            owners.setdefault(canonicalize_name(dist), set()).add(module)
    unused = {
        name
        for name in (canonicalize_name(Requirement(d).name) for d in deps)
        if not owners.get(name, set()) & imported
    }
    # Imported by msgraph-core, which does not declare it (pyproject.toml): once it
    # does, hcinfra should drop it.
    assert not any("deprecated" in r.lower() for r in requires("msgraph-core") or [])
    assert unused == {"deprecated"}


def test_emulator_serves_without_uvloop(tmp_path: Path) -> None:
    # As on Windows, where the extra brings no uvloop: uvicorn falls back to asyncio.
    code = (
        "import sys; sys.modules['uvloop'] = None; from hcinfra.cli import main; "
        "sys.exit(main(['emulator', 'serve', '--no-tls']))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        answer = httpx.get(f"{url}/v1.0/organization", timeout=10)
        assert answer.status_code == 401  # served: no token given
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
