"""The README's CI jobs work: their azint commands run on the bundled topology in a scratch git
repository standing in for a pull request (the target branch as ``origin/main``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import junitparser
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SECTION = ROOT.joinpath("README.md").read_text().split("## Use it in CI", 1)[1].split("\n## ", 1)[0]
GITHUB, AZURE = (yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", SECTION, re.S))


def azint_scripts(steps: list[dict[str, Any]], key: str) -> list[str]:
    """The steps that run azint (the install step needs a package index, so it is left out)."""
    return [step[key] for step in steps if key in step and step[key].lstrip().startswith("azint ")]


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository whose main branch holds the bundled files, checked out on a change."""
    folder = tmp_path / "repo"
    (folder / "topologies").mkdir(parents=True)
    for name in ("azure-interop.yaml", "azure-interop.intents.yaml"):
        shutil.copyfile(ROOT / "topologies" / name, folder / "topologies" / name)
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=folder, check=True)
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-qm", "network"], cwd=folder, check=True)
    subprocess.run([*git, "update-ref", "refs/remotes/origin/main", "HEAD"], cwd=folder, check=True)
    return folder


def change_the_topology(repository: Path) -> None:
    """A pull request that moves flows (another ECMP seed) but keeps every intent."""
    path = repository / "topologies" / "azure-interop.yaml"
    path.write_text(path.read_text().replace("flow_hash_seed: 2939", "flow_hash_seed: 7"))


SHUT_LINK = "warning: link 'er1-secondary' of circuit 'er1' is down: the circuit has no redundancy"


def run_job(scripts: list[str], cwd: Path, env: dict[str, str]) -> None:
    """Every step passes, except that --strict stops on the bundled topology's one warning:
    its er1-secondary link is shut, as in Microsoft's setup (the job would stop there)."""
    for script in scripts:
        done = run(script, cwd, env)
        if script.startswith("azint validate --strict"):
            assert (done.returncode, done.stdout.split(": ", 1)[1]) == (1, SHUT_LINK + "\n")
            continue
        assert done.returncode == 0, (script, done.stdout, done.stderr)


def run(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env, "PATH": path}, timeout=120)


def test_the_github_job_passes_and_summarises_the_change(repository: Path, tmp_path: Path) -> None:
    job = GITHUB["jobs"]["azint"]
    scripts = [s.replace("${{ github.base_ref }}", "main") for s in azint_scripts(job["steps"], "run")]
    assert [s.split()[1] for s in scripts] == ["validate", "check", "diff"]
    assert "--strict" in scripts[0] and "--junit" in scripts[1] and "--format github" in scripts[1]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "azint-junit.xml" and upload["if"] == "${{ !cancelled() }}"
    diff = next(s for s in job["steps"] if s.get("run", "").lstrip().startswith("azint diff"))
    assert diff["if"] == "${{ !cancelled() }}"  # the summary even when an intent failed
    change_the_topology(repository)
    summary = tmp_path / "summary.md"
    run_job(scripts, repository, {**job["env"], "GITHUB_STEP_SUMMARY": str(summary)})
    cases = [case for suite in junitparser.JUnitXml.fromfile(str(repository / "azint-junit.xml"))
             for case in suite]
    assert cases and all(case.is_passed for case in cases)
    assert summary.read_text().startswith(
        "### azint diff: `origin/main:topologies/azure-interop.yaml` → `topologies/azure-interop.yaml`")
    assert "| From | To | Before | After |" in summary.read_text()


def test_the_github_job_annotates_a_broken_intent(repository: Path) -> None:
    job = GITHUB["jobs"]["azint"]
    check = azint_scripts(job["steps"], "run")[1]
    intents = repository / "topologies" / "azure-interop.intents.yaml"
    text = intents.read_text()
    line = text.splitlines().index("  - name: the branch does not reach the remote VNet "
                                   "(no ExpressRoute-to-VPN transit)") + 1
    intents.write_text(text.replace("    to: remote\n    expect: unreachable\n    both_ways: true\n",
                                    "    to: remote\n    expect: reachable\n    both_ways: true\n", 1))
    done = run(check, repository, job["env"])
    assert done.returncode == 1
    assert done.stdout.startswith(f"::error file=topologies/azure-interop.intents.yaml,line={line},")


def test_the_azure_pipelines_job_passes(repository: Path) -> None:
    variables = AZURE["variables"]
    def expand(script: str) -> str:
        for name, value in {**variables, "System.PullRequest.TargetBranchName": "main"}.items():
            script = script.replace(f"$({name})", value)
        return script
    scripts = [expand(s) for s in azint_scripts(AZURE["steps"], "script")]
    assert [s.split()[1] for s in scripts] == ["validate", "check", "diff"]
    published = next(s for s in AZURE["steps"] if s.get("task") == "PublishTestResults@2")
    assert published["inputs"]["testResultsFiles"] == "azint-junit.xml"
    diff = next(s for s in AZURE["steps"] if s.get("script", "").lstrip().startswith("azint diff"))
    assert diff["condition"] == "succeededOrFailed()"  # the diff even when an intent failed
    change_the_topology(repository)
    run_job(scripts, repository, {})
    assert (repository / "azint-junit.xml").exists()
