"""``azint diff OLD NEW``: route-table rows and pairs that changed, from files or git revisions."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Run

REFERENCE = Path(__file__).resolve().parents[1] / "topologies" / "azure-interop.yaml"
SPOKE_LINE = "b: {network: spoke, use_remote_gateways: true}"


def without_remote_gateways(tmp_path: Path) -> Path:
    text = REFERENCE.read_text()
    assert SPOKE_LINE in text
    path = tmp_path / "no-transit.yaml"
    path.write_text(text.replace(SPOKE_LINE, SPOKE_LINE.replace("true", "false")))
    return path


def test_the_spoke_without_remote_gateways_loses_its_gateway_paths_and_routes(
        azint: Callable[..., Run], tmp_path: Path) -> None:
    """Use remote gateways: a spoke learns its hub's gateway routes only with it on ("Configure
    VPN gateway transit for virtual network peering",
    https://learn.microsoft.com/azure/vpn-gateway/vpn-gateway-peering-gateway-transit)."""
    run = azint("diff", "--json", str(REFERENCE), str(without_remote_gateways(tmp_path)))
    assert run.code == 1
    document = run.json()
    assert document["schema"] == 1 and document["changed"] is True
    lost = {(p["source"], p["target"]) for p in document["pairs"]
            if p["before"]["reachable"] and not p["after"]["reachable"]}
    others = ("branch", "remote", "location1", "location2")
    assert lost == {("spoke", n) for n in others} | {(n, "spoke") for n in others}
    assert len(document["pairs"]) == len(lost)
    spoke = [r for r in document["routes"] if r["network"] == "spoke"]
    assert {r["change"] for r in spoke} == {"removed"}
    assert sorted(r["before"]["prefix"] for r in spoke) == [
        "10.1.31.0/25", "10.11.30.64/26", "10.17.30.0/24", "10.2.30.0/25"]
    assert all(r["before"]["source"] == "VirtualNetworkGateway" for r in spoke)
    # everywhere else, only the spoke's own range is withdrawn
    assert {r["before"]["prefix"] for r in document["routes"] if r["network"] != "spoke"} == {"10.11.30.0/26"}
    assert {r["change"] for r in document["routes"]} == {"removed"}


def test_the_same_topology_has_no_changes(azint: Callable[..., Run]) -> None:
    run = azint("diff", str(REFERENCE), str(REFERENCE))
    assert (run.code, run.out) == (0, f"No changes between {REFERENCE} and {REFERENCE}.\n")


def test_a_path_change_shows_every_element_crossed(azint: Callable[..., Run], tmp_path: Path) -> None:
    """Another flow-hash seed sends flows through other gateway instances: same connections,
    other path."""
    changed = tmp_path / "seed.yaml"
    changed.write_text(REFERENCE.read_text().replace("flow_hash_seed: 2939", "flow_hash_seed: 7"))
    run = azint("diff", "--json", str(REFERENCE), str(changed))
    assert run.code == 1
    pairs = run.json()["pairs"]
    assert pairs and run.json()["routes"] == []
    for pair in pairs:
        assert pair["before"]["reachable"] == pair["after"]["reachable"]
        assert pair["before"]["path"] != pair["after"]["path"]
    text = azint("diff", str(REFERENCE), str(changed)).out
    assert "before: reachable via " in text and "@10.10.30." in text


def test_markdown_for_a_pull_request(azint: Callable[..., Run], tmp_path: Path) -> None:
    run = azint("diff", "--format", "markdown", str(REFERENCE), str(without_remote_gateways(tmp_path)))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("### azint diff: ")
    pairs = lines.index("| From | To | Before | After |")
    rows = [line for line in lines[pairs + 2:] if line.startswith("| ")]
    assert rows[0] == ("| spoke | branch | reachable over hub-spoke, hub-branch | "
                       "unreachable (VNet 'spoke' routes 10.0.0.0/8 to None) |")
    assert "#### Route tables" in lines


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *args],
                   cwd=cwd, check=True, capture_output=True)


def test_either_side_may_be_a_git_revision(azint: Callable[..., Run], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "net.yaml").write_text(REFERENCE.read_text())
    git(tmp_path, "add", "net.yaml")
    git(tmp_path, "commit", "-qm", "reference")
    (tmp_path / "net.yaml").write_text(without_remote_gateways(tmp_path).read_text())
    monkeypatch.chdir(tmp_path)
    changed = azint("diff", "HEAD:net.yaml", "net.yaml")
    assert changed.code == 1
    assert changed.out.startswith("Changes from HEAD:net.yaml to net.yaml: 18 route-table rows")
    assert azint("diff", "HEAD:net.yaml", "HEAD:net.yaml").code == 0
    missing = azint("diff", "HEAD~1:net.yaml", "net.yaml")
    assert missing.code == 2
    assert missing.err.startswith("azint: error: cannot read 'HEAD~1:net.yaml' from git: ")
    assert len(missing.err.splitlines()) == 1


def test_a_broken_revision_names_its_line(azint: Callable[..., Run], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "net.yaml").write_text("azint: 1\nnetworks: [\n")
    git(tmp_path, "add", "net.yaml")
    git(tmp_path, "commit", "-qm", "broken")
    monkeypatch.chdir(tmp_path)
    run = azint("diff", "HEAD:net.yaml", str(REFERENCE))
    assert run.code == 2
    assert run.err.startswith("HEAD:net.yaml:3:1: error: YAML syntax")


def test_the_previous_commit_from_a_subfolder(azint: Callable[..., Run], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``azint diff HEAD~1:net.yaml net.yaml`` as the issue writes it: the last commit's change,
    the path taken from the current folder as a file name is, not from the repository's top."""
    git(tmp_path, "init", "-q")
    folder = tmp_path / "network"
    folder.mkdir()
    (folder / "net.yaml").write_text(REFERENCE.read_text())
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "reference")
    (folder / "net.yaml").write_text(without_remote_gateways(tmp_path).read_text())
    git(tmp_path, "commit", "-qam", "spoke without remote gateways")
    monkeypatch.chdir(folder)
    run = azint("diff", "--json", "HEAD~1:net.yaml", "net.yaml")
    assert run.code == 1
    lost = {(p["source"], p["target"]) for p in run.json()["pairs"]}
    assert ("spoke", "location1") in lost and ("branch", "spoke") in lost
    assert azint("diff", "HEAD~1:net.yaml", "HEAD~1:./net.yaml").code == 0
    assert azint("diff", "HEAD:net.yaml", "net.yaml").code == 0
    assert azint("diff", "HEAD~1:network/net.yaml", "net.yaml").code == 2  # not from the top


def markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table of ``text`` as a Markdown renderer reads it (markdown-it-py, GFM tables):
    rows of cell texts, the header row first."""
    from markdown_it import MarkdownIt

    tables: list[list[list[str]]] = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            tables.append([])
        elif token.type == "tr_open":
            tables[-1].append([])
        elif token.type == "inline" and tables and tables[-1] and token.level >= 4:
            tables[-1][-1].append(token.content)
    return tables


def test_markdown_tables_read_as_the_json_says(azint: Callable[..., Run], tmp_path: Path) -> None:
    """Rendered as a pull request comment, the tables hold one row per changed pair and per
    route-table row, every row with all its cells, even with a '|' in a network's name."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(REFERENCE.read_text().replace("location2", "site|2"))
    new.write_text(without_remote_gateways(tmp_path).read_text().replace("location2", "site|2")
                   .replace("name: location1", "name: site|1"))
    run = azint("diff", "--format", "markdown", str(old), str(new))
    document = azint("diff", "--json", str(old), str(new)).json()
    assert run.code == 1
    pairs, routes = markdown_tables(run.out)
    assert pairs[0] == ["From", "To", "Before", "After"]
    assert all(len(row) == 4 for row in pairs)
    assert [row[:2] for row in pairs[1:]] == [[p["source"], p["target"]] for p in document["pairs"]]
    assert ["spoke", "site|2"] in [row[:2] for row in pairs[1:]]
    assert routes[0][:3] == ["Network", "Table", "Change"]
    assert all(len(row) == 8 for row in routes)
    changed = sum(r["change"] == "changed" for r in document["routes"])
    assert len(routes) - 1 == len(document["routes"]) + changed
    assert "* Network added: `site|1`" in run.out.splitlines()


def test_an_asn_change_shows_in_the_gateways_learned_routes(azint: Callable[..., Run],
                                                            tmp_path: Path) -> None:
    """A VNet gateway's learned routes carry each path's AS path ("Get-AzVirtualNetworkGateway
    LearnedRoute", https://learn.microsoft.com/powershell/module/az.network/
    get-azvirtualnetworkgatewaylearnedroute); a site that changes its ASN moves no packet, but
    the gateways learn its prefixes over another AS path: a change, not "no changes"."""
    text = REFERENCE.read_text()
    assert text.count("asn: 65021 ") == 1
    renumbered = tmp_path / "asn.yaml"
    renumbered.write_text(text.replace("asn: 65021 ", "asn: 65031 "))
    run = azint("diff", "--json", str(REFERENCE), str(renumbered))
    assert run.code == 1
    document = run.json()
    assert document["pairs"] == []
    changes = {(r["network"], r["table"], r["change"], r["before"]["prefix"], r["before"]["detail"],
                r["after"]["detail"]) for r in document["routes"]}
    assert ("hub", "gateway ergw:hub", "changed", "10.2.30.0/25", "12076 65021", "12076 65031") in changes
    assert all(change[2] == "changed" and change[4].endswith("65021") for change in changes)


def test_a_revision_is_never_a_git_option_and_a_folder_is_not_a_topology(
        azint: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "net.yaml").write_text(REFERENCE.read_text())
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "reference")
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "written"
    run = azint("diff", "--", f"--output={target}:net.yaml", "net/net.yaml")
    assert run.code == 2 and not target.exists() and not Path(f"{target}:./net.yaml").exists()
    assert run.err == (f"azint: error: '--output={target}:net.yaml' is neither a file nor a git "
                       "revision (REV:PATH): a revision does not start with '-'\n")
    folder = azint("diff", "HEAD:net", "net/net.yaml")
    assert folder.code == 2
    assert folder.err.startswith("azint: error: cannot read 'HEAD:net' from git: ")
    assert "is a folder (tree), not a topology file" in folder.err


def test_on_a_narrow_terminal_diff_lines_break_between_words(
        azint: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A route row or a path wider than the terminal breaks between words there, its further
    lines indented under it; piped, each stays one line."""
    from azint.cli import gate as gate_cli

    changed = str(without_remote_gateways(tmp_path))
    whole = azint("diff", str(REFERENCE), changed).out.splitlines()
    monkeypatch.setattr(gate_cli, "terminal_columns", lambda: 50)
    shown = azint("diff", str(REFERENCE), changed).out.splitlines()
    assert any(len(line) > 50 for line in whole) and len(shown) > len(whole)
    assert all(len(line) <= 50 or " " not in line.strip() for line in shown)
    assert " ".join(" ".join(shown).split()) == " ".join(" ".join(whole).split())
