"""``azint check``: intents files, their verdicts, and the outputs CI reads (JUnit, annotations, JSON).

The shipped intents file states the reference network's reachability and failover; these tests
flip each of its intents and expect the check to catch it, with the model's reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import junitparser
import pytest
import yaml

from tests.conftest import Run, topology

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "topologies" / "azure-interop.intents.yaml"
REFERENCE = ROOT / "topologies" / "azure-interop.yaml"
SHIPPED_INTENTS = yaml.safe_load(SHIPPED.read_text())["intents"]


def write(tmp_path: Path, intents: list[dict[str, object]] | str, name: str = "net.intents.yaml") -> str:
    path = tmp_path / name
    if isinstance(intents, str):
        path.write_text(intents)
    else:
        path.write_text(yaml.safe_dump({"azint-intents": 1, "topology": str(REFERENCE),
                                        "intents": intents}, sort_keys=False))
    return str(path)


def test_the_shipped_intents_hold(azint: Callable[..., Run]) -> None:
    run = azint("check", str(SHIPPED))
    assert run.code == 0, run.out
    lines = run.out.splitlines()
    assert len(lines) == len(SHIPPED_INTENTS) + 1
    assert all(": PASS " in line for line in lines[:-1])
    assert lines[-1].startswith(f"{len(SHIPPED_INTENTS)} intents: {len(SHIPPED_INTENTS)} passed, 0 failed")


def test_the_shipped_intents_state_every_pair_of_networks() -> None:
    """The whole reachability of the reference: each ordered pair of networks is in an intent
    that holds with nothing down, reachable exactly when the model reaches it."""
    from azint.gate.pairs import all_pairs
    from azint.network import Network

    stated: dict[tuple[str, str], bool] = {}
    for intent in SHIPPED_INTENTS:
        if intent.get("when_down") or intent.get("under"):
            continue
        ends = [[e] if isinstance(e, str) else e for e in (intent["from"], intent["to"])]
        ways = [ends, ends[::-1]] if intent.get("both_ways") else [ends]
        for sources, targets in ways:
            for pair in ((s, t) for s in sources for t in targets):
                stated[pair] = intent["expect"] == "reachable"
    model = all_pairs(Network.open(REFERENCE))
    assert {pair: state.reachable for pair, state in model.items()} == \
        {pair: stated[pair] for pair in model}


def flipped(intent: dict[str, object]) -> dict[str, object]:
    if intent["expect"] == "reachable":
        keep = {k: v for k, v in intent.items() if k not in ("via", "avoid", "max_hops", "max_rtt_ms")}
        return {**keep, "expect": "unreachable"}
    return {**intent, "expect": "reachable"}


@pytest.mark.parametrize("index", range(len(SHIPPED_INTENTS)),
                         ids=[i["name"][:40] for i in SHIPPED_INTENTS])
def test_flipping_any_one_intent_fails_the_check(azint: Callable[..., Run], tmp_path: Path,
                                                 index: int) -> None:
    """The failing line is the flipped intent's, and says what decided it: for a pair that is
    reached, the route its source sends it by; for one that is not, the rule that stops it
    ([rule N]) or the element that is down."""
    intents = [dict(i) for i in SHIPPED_INTENTS]
    intents[index] = flipped(intents[index])
    path = write(tmp_path, intents)
    line = yaml.compose(Path(path).read_text()).value[2][1].value[index].start_mark.line + 1
    run = azint("check", path)
    assert run.code == 1
    failing = [text for text in run.out.splitlines() if ": FAIL " in text]
    assert len(failing) == 1
    assert failing[0].startswith(f"{path}:{line}: FAIL {intents[index]['name']}: ")
    if intents[index]["expect"] == "unreachable":
        assert re.search(r": reached over .*, but it must not be: .* sends it by route "
                         r"\d+\.\d+\.\d+\.\d+/\d+ \[", failing[0]), failing[0]
    else:
        assert "not reached: " in failing[0]
        assert re.search(r"\[rule \d|'[^']+' is down", failing[0]), failing[0]


def test_a_failure_gives_the_rule_that_decided_it(azint: Callable[..., Run], tmp_path: Path) -> None:
    """A VPN gateway does not pass ExpressRoute-learned routes to its VPN peers: "About
    ExpressRoute and site-to-site VPN coexistence" / transit, https://learn.microsoft.com/azure/
    expressroute/expressroute-howto-coexist-resource-manager."""
    run = azint("check", write(tmp_path, [{"name": "branch to remote", "from": "branch",
                                           "to": "remote", "expect": "reachable"}]))
    assert run.code == 1
    line = run.out.splitlines()[0]
    assert line.startswith(f"{tmp_path}/net.intents.yaml:4: FAIL branch to remote: branch -> remote: not reached")
    assert "branch has no route for 10.17.30.0/24" in line
    assert "[rule 5.2]" in line and "branch-to-branch (branch_to_branch is off)" in line


def test_via_avoid_hops_and_rtt_each_fail_with_what_was_measured(azint: Callable[..., Run],
                                                                 tmp_path: Path) -> None:
    base = {"from": "location1", "to": "hub", "expect": "reachable"}
    run = azint("check", write(tmp_path, [
        {**base, "name": "via", "via": ["loc1-vpn"]},
        {**base, "name": "avoid", "avoid": ["er1-primary"]},
        {**base, "name": "hops", "max_hops": 2},
        {**base, "name": "rtt", "max_rtt_ms": 1},
        {**base, "name": "ok", "via": ["er1", "er1-primary", "hub-er1", "router:loc1-ce"],
         "max_hops": 5, "max_rtt_ms": 5},
    ]))
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].endswith("FAIL via: location1 -> hub: reached over er1, not via loc1-vpn")
    assert lines[1].endswith("FAIL avoid: location1 -> hub: reached over er1, crossing er1-primary")
    assert lines[2].endswith("FAIL hops: location1 -> hub: reached over er1 in 5 hops (at most 2)")
    assert "FAIL rtt: location1 -> hub: reached over er1 in 2." in lines[3]
    assert lines[3].endswith(" ms (at most 1 ms)")
    assert ": PASS ok" in lines[4]
    assert lines[5] == "5 intents: 1 passed, 4 failed (5 probes)"


def test_groups_ranges_and_failures(azint: Callable[..., Run], tmp_path: Path) -> None:
    run = azint("check", "--json", write(tmp_path, [
        {"name": "group", "from": ["hub", "sp*"], "to": "10.2.30.0/25", "expect": "reachable",
         "when_down": ["er1-primary"], "via": ["loc1-vpn"]},
        {"name": "every single failure", "from": "hub", "to": "spoke", "expect": "reachable",
         "under": "any_single_failure"},
        {"name": "both ways once", "from": ["hub", "spoke"], "to": ["spoke", "hub"],
         "expect": "reachable", "both_ways": True},
    ]))
    assert run.code == 1
    document = run.json()
    assert document["schema"] == 1 and document["command"] == "check"
    group, sweep, both = document["intents"]
    assert (group["passed"], group["probes"]) == (True, 2)
    assert (both["passed"], both["probes"]) == (True, 2)  # hub->spoke and spoke->hub, once each
    assert sweep["passed"] is False
    assert sweep["finding"]["down"] == ["hub-spoke"]
    assert sweep["finding"]["problem"] == "unreached"
    assert sweep["finding"]["explain"]["reached"] is False


def test_a_gateway_instance_is_crossed_and_can_fail(azint: Callable[..., Run], tmp_path: Path) -> None:
    run = azint("check", write(tmp_path, [
        {"name": "first", "from": "spoke", "to": "location1", "expect": "reachable",
         "via": ["ergw:hub@10.10.30.132", "ergw:hub"]},
        {"name": "another", "from": "spoke", "to": "location1", "expect": "reachable",
         "when_down": ["ergw:hub@10.10.30.132"], "avoid": ["ergw:hub@10.10.30.132"]},
    ]))
    assert run.code == 0, run.out


def test_junit_read_by_a_junit_library(azint: Callable[..., Run], tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    run = azint("check", "--junit", str(report), write(tmp_path, [
        {"name": "peering", "from": "hub", "to": "spoke", "expect": "reachable"},
        {"name": "no transit", "from": "branch", "to": "remote", "expect": "reachable"},
    ]))
    assert run.code == 1
    xml = junitparser.JUnitXml.fromfile(str(report))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    cases = [case for suite in suites for case in suite]
    assert [case.name for case in cases] == ["peering", "no transit"]
    assert cases[0].is_passed
    assert not cases[1].is_passed
    failure = cases[1].result[0]
    assert isinstance(failure, junitparser.Failure)
    assert failure.message.startswith("branch -> remote: not reached")
    assert sum(suite.failures for suite in suites) == 1


def test_github_annotations_land_on_the_intent_line(azint: Callable[..., Run], tmp_path: Path) -> None:
    path = write(tmp_path, [
        {"name": "ok", "from": "hub", "to": "spoke", "expect": "reachable"},
        {"name": "a, b: 100%", "from": "branch", "to": "remote", "expect": "reachable"},
    ])
    run = azint("check", "--format", "github", path)
    assert run.code == 1
    first, summary = run.out.splitlines()
    assert first.startswith(f"::error file={path},line=8,title=intent%3A a%2C b%3A 100%25::"
                            "branch -> remote: not reached")
    assert summary == "2 intents: 1 passed, 1 failed (2 probes)"


@pytest.mark.parametrize(("text", "where", "message"), [
    ("azint-intents: 1\nintents:\n  - from: hub\n    to: [spoke\n", ":5:1:", "YAML syntax"),
    ("azint-intents: 2\nintents: []\n", ":1:16:", "starts with 'azint-intents: 1'"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spok, expect: reachable}\n", ":3:21:",
     "no network or endpoint matches 'spok'; did you mean 'spoke'?"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable,\n"
     "     when_down: [er1-primry]}\n", ":4:18:", "did you mean 'er1-primary'?"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: maybe}\n", ":3:36:",
     "expected one of reachable, unreachable"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: unreachable, via: [er1]}\n",
     ":3:54:", "'via' applies to reachable intents only"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: 8.8.8.8, expect: reachable, both_ways: true}\n",
     ":3:21:", "both_ways needs endpoints at both ends"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, max_hops: 0}\n",
     ":3:57:", "expected a positive whole number"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke}\n", ":3:5:", "intent needs 'expect'"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: 10.2.30.10/25, expect: reachable}\n", ":3:21:",
     "'10.2.30.10/25' is not an address range"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: 10.99.0.0/16, expect: reachable}\n", ":3:21:",
     "no endpoint in 10.99.0.0/16"),
    ("azint-intents: 1\ntopology: nope.yaml\nintents:\n  - {from: hub, to: spoke, expect: reachable}\n",
     ":2:11:", "no topology file"),
    # the version is the whole number 1, not something YAML compares equal to it
    ("azint-intents: 1.0\nintents:\n  - {from: hub, to: spoke, expect: reachable}\n", ":1:16:",
     "starts with 'azint-intents: 1', not 1.0"),
    ("azint-intents: true\nintents:\n  - {from: hub, to: spoke, expect: reachable}\n", ":1:16:",
     "starts with 'azint-intents: 1', not True"),
    ("", ":1:1:", "the file is empty; an intents file is a YAML mapping"),
    ("azint-intents: 1\nintents:\n  - {from: [], to: spoke, expect: reachable}\n", ":3:12:",
     "expected at least one name"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: [], expect: reachable}\n", ":3:21:",
     "expected at least one name"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, max_rtt_ms: .nan}\n",
     ":3:59:", "expected a positive number, got nan"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, max_rtt_ms: .inf}\n",
     ":3:59:", "expected a positive number, got inf"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable}\n"
     "  - {from: hub, to: spoke, expect: reachable}\n", ":4:5:",
     "duplicate intent name 'hub -> spoke reachable' (the intent at line 3 has it)"),
    ("azint-intents: 1\nintents:\n  - {from: 'spoke-[', to: hub, expect: reachable}\n", ":3:12:",
     "no network or endpoint matches 'spoke-['"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, under: always}\n",
     ":3:54:", "expected one of as_given, any_single_failure, got 'always'"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, avoid: [fw]}\n",
     ":3:55:", "no element named 'fw'"),
    ("azint-intents: 1\nintents:\n  - {from: hub, to: spoke, expect: reachable, colour: red}\n",
     ":3:55:", "unknown key 'colour'"),
    ("azint-intents: 1\nintents:\n  - {from: hub, from: spoke, to: spoke, expect: reachable}\n",
     ":3:17:", "duplicate key 'from'"),
    # an intent's name goes into JUnit XML and terminals: no control characters
    ('azint-intents: 1\nintents:\n  - {name: "a\\x01b", from: hub, to: spoke, expect: reachable}\n',
     ":3:12:", "expected a printable name, got 'a\\x01b'"),
    ('azint-intents: 1\nintents:\n  - {from: "hub\\e[31m", to: spoke, expect: reachable}\n',
     ":3:12:", "expected a printable name, got 'hub\\x1b[31m'"),
])
def test_bad_intents_name_file_line_and_column(azint: Callable[..., Run], tmp_path: Path,
                                               text: str, where: str, message: str) -> None:
    path = write(tmp_path, text)
    run = azint("check", "--topology", str(REFERENCE), path)
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"{path}{where} error: ")
    assert message in run.err
    assert len(run.err.splitlines()) == 1


def test_via_an_appliance(azint: Callable[..., Run], tmp_path: Path) -> None:
    """Spokes that reach each other through a hub firewall: a user route to a virtual appliance
    ("Virtual network traffic routing", https://learn.microsoft.com/azure/virtual-network/
    virtual-networks-udr-overview#user-defined)."""
    path = tmp_path / "nva.intents.yaml"
    path.write_text(yaml.safe_dump({"azint-intents": 1, "topology": topology("nva-hub"), "intents": [
        {"name": "through the firewall", "from": "spoke1", "to": "spoke2", "expect": "reachable",
         "both_ways": True, "via": ["fw", "hub-spoke1", "hub-spoke2"]},
        {"name": "the hub directly", "from": "spoke1", "to": "hub", "expect": "reachable",
         "avoid": ["fw"]},
        {"name": "no firewall, no spoke", "from": "spoke1", "to": "spoke2", "expect": "unreachable",
         "when_down": ["hub-spoke2"]},
    ]}))
    run = azint("check", str(path))
    assert run.code == 0, run.out


def test_a_junit_file_that_cannot_be_written(azint: Callable[..., Run], tmp_path: Path) -> None:
    run = azint("check", "--junit", str(tmp_path / "missing" / "report.xml"), str(SHIPPED))
    assert run.code == 2
    assert run.err.startswith(f"azint: error: --junit: cannot write '{tmp_path}/missing/report.xml': ")


def test_annotations_name_the_file_as_the_repository_does(azint: Callable[..., Run], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, [{"name": "no transit", "from": "branch", "to": "remote", "expect": "reachable"}])
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    run = azint("check", "--format", "github", "./sub/../net.intents.yaml")
    assert run.out.startswith("::error file=net.intents.yaml,line=4,")


def test_a_bad_intents_file_is_annotated_on_its_line_too(azint: Callable[..., Run], tmp_path: Path) -> None:
    """With --format github, bad input (exit 2) also lands in the pull request: one annotation on
    the line and column the error names, besides the one-line error on stderr."""
    path = write(tmp_path, "azint-intents: 1\nintents:\n  - {from: hub, to: spok, expect: reachable}\n")
    run = azint("check", "--format", "github", "--topology", str(REFERENCE), path)
    assert run.code == 2
    assert run.err.startswith(f"{path}:3:21: error: no network or endpoint matches 'spok'")
    assert run.out == (f"::error file={path},line=3,col=21,title=azint check::no network or "
                       "endpoint matches 'spok'; did you mean 'spoke'?\n")
    valid = write(tmp_path, [{"from": "hub", "to": "spoke", "expect": "reachable"}], "ok.yaml")
    unplaced = azint("check", "--format", "github", "--junit", str(tmp_path / "no" / "r.xml"), valid)
    assert (unplaced.code, unplaced.out) == (2, "")  # an error with no place in a file: stderr only


def test_one_line_covers_a_landing_zone(azint: Callable[..., Run], tmp_path: Path) -> None:
    """Patterns expand to every network they match: spokes reach on-premises through the hub's
    gateway (gateway transit) and not each other, as peering is not transitive ("Virtual network
    peering", https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview)."""
    from tests.bench import landing_zone

    (tmp_path / "zone.yaml").write_text(yaml.safe_dump(landing_zone(4, 3), sort_keys=False))
    path = tmp_path / "zone.intents.yaml"
    path.write_text(yaml.safe_dump({"azint-intents": 1, "topology": "zone.yaml", "intents": [
        {"name": "on-premises", "from": "spoke*", "to": "dc", "expect": "reachable",
         "both_ways": True, "via": ["er"]},
        {"name": "no spoke to spoke", "from": ["spoke*"], "to": ["spoke?"], "expect": "unreachable"},
        {"name": "the branch", "from": "spoke[0-3]", "to": "branch", "expect": "reachable",
         "via": ["hub-branch"]},
    ]}))
    run = azint("check", "--json", str(path))
    assert run.code == 0, run.out
    assert [i["probes"] for i in run.json()["intents"]] == [8, 12, 4]
    broken = path.read_text().replace("expect: unreachable", "expect: reachable")
    path.write_text(broken)
    failed = azint("check", str(path)).out.splitlines()[1]
    assert ": FAIL no spoke to spoke: spoke0 -> spoke1: not reached: " in failed
    assert failed.endswith("[rule 2.1] VNet spoke0 is not peered with VNet spoke1: both are peered "
                           "with VNet hub, but peering is not transitive [12 of 12 probes fail]")


def test_annotations_name_the_file_from_the_repository_top(azint: Callable[..., Run], tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """In GitHub Actions, GITHUB_WORKSPACE is the checkout's top: an annotation's file is
    relative to it, however the file was named from wherever the step ran."""
    (tmp_path / "network").mkdir()
    path = write(tmp_path / "network", [{"name": "no transit", "from": "branch", "to": "remote",
                                         "expect": "reachable"}])
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.chdir(tmp_path / "network")
    for named in ("net.intents.yaml", path, "../network/net.intents.yaml"):
        run = azint("check", "--format", "github", named)
        assert run.out.startswith("::error file=network/net.intents.yaml,line=4,"), named
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert azint("check", "--format", "github", path).out.startswith(f"::error file={path},line=4,")


def test_an_oversized_intents_file_is_called_one(azint: Callable[..., Run], tmp_path: Path) -> None:
    path = tmp_path / "huge.intents.yaml"
    with path.open("wb") as stream:
        stream.truncate(16 * 1024 * 1024 + 1)  # sparse: no data written
    run = azint("check", str(path))
    assert run.code == 2
    assert run.err == f"{path}: error: file is 16,777,217 bytes; an intents file may be at most 16,777,216\n"


def test_a_sweep_checked_half_in_a_second_process_finds_what_one_process_finds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Intents under any single failure are checked failure by failure; shared with a forked
    process, every probe's finding (explanations of the failures included) is the same."""
    from azint.gate import check as check_module
    from azint.gate.intents import load_intents
    from azint.topology import loader

    path = write(tmp_path, [
        {"name": "spoke reaches location1", "from": "spoke", "to": "location1",
         "expect": "reachable", "under": "any_single_failure"},
        {"name": "branch never reaches remote", "from": "branch", "to": "remote",
         "expect": "reachable", "under": "any_single_failure", "via": ["hub-branch"]}])
    topology = loader.load(REFERENCE)
    intents = load_intents(Path(path)).intents
    shared = check_module.check(topology, intents)
    assert any(result.failed for result in shared)
    monkeypatch.setattr(check_module, "PARALLEL_GROUPS", 10**9)
    assert check_module.check(topology, intents) == shared


def test_on_a_narrow_terminal_a_failure_breaks_between_words_and_piped_it_stays_whole(
        azint: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure's line names the rule that decided it, often wider than a terminal: there it
    breaks between words, further lines indented; piped (scripts, CI logs) it is one line."""
    from azint.cli import gate as gate_cli

    path = write(tmp_path, [{"name": "branch to remote", "from": "branch", "to": "remote",
                             "expect": "reachable"}])
    whole = azint("check", path).out.splitlines()[0]
    assert len(whole) > 60
    monkeypatch.setattr(gate_cli, "terminal_columns", lambda: 60)
    shown = azint("check", path).out.splitlines()
    broken = shown[:next(i for i, line in enumerate(shown) if line.startswith(("1 intent", "1 int")))]
    assert len(broken) > 1  # a word wider than the terminal (the file's path) stands alone
    assert all(len(line) <= 60 or " " not in line.strip() for line in broken)
    assert all(line.startswith("    ") for line in broken[1:])
    assert " ".join(line.strip() for line in broken) == " ".join(whole.split())


def test_fit_breaks_only_lines_wider_than_the_terminal_and_never_a_word() -> None:
    from azint.render.wrap import fit

    text = "short\n  an indented line that is a good deal wider than twenty\nunbreakable-" + "x" * 30
    assert fit(text, None) == text and fit(text, 200) == text
    lines = fit(text, 20).split("\n")
    assert lines[0] == "short" and lines[-1] == "unbreakable-" + "x" * 30
    assert lines[1] == "  an indented line" and all(line.startswith("      ") for line in lines[2:-1])
    assert " ".join(" ".join(lines[1:-1]).split()) == "an indented line that is a good deal wider than twenty"
