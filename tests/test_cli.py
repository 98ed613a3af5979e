"""The command line as scripts use it: exit codes, JSON, one-line errors, changing the topology."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.builders import reference_doc
from tests.conftest import run_cli as azint


def test_json_tracert_shape() -> None:
    result = azint("tracert", "hub", "10.2.30.10", "--json")
    document = json.loads(result.output)
    assert document["schema"] == 1 and document["command"] == "tracert"
    assert document["reached"] is True and document["disposition"] == "DELIVERED"
    assert [h["kind"] for h in document["hops"]] == ["time-exceeded", "timeout", "timeout", "echo-reply"]
    assert document["hops"][0]["address"] == "10.10.30.132"
    assert document["hops"][0]["element"] == "ergw:hub"
    assert document["hops"][1]["probes_ms"] == [None, None, None]
    assert result.exit_code == 0


def test_json_ping_unreachable() -> None:
    result = azint("ping", "branch", "10.17.30.4", "--json")
    document = json.loads(result.output)
    assert (document["sent"], document["received"], document["success"]) == (4, 0, False)
    assert document["disposition"] == "NULL_ROUTED"
    assert "10.0.0.0/8" in document["reason"]
    assert result.exit_code == 1


def test_ping_reply_ttl_counts_routers_on_the_way_back() -> None:
    # location1 VM -> switch -> CE -> MSEE -> hub ER gateway -> hub VM: four routers decrement
    assert "TTL=124" in azint("ping", "hub", "10.2.30.10").output
    assert "TTL=128" in azint("ping", "hub", "10.11.30.4").output  # peering: no router


def test_ping_with_small_ttl_expires_in_transit() -> None:
    result = azint("ping", "-n", "2", "-i", "1", "location1", "10.10.30.4")
    assert result.output.count("Reply from 10.2.30.3: TTL expired in transit.") == 2
    assert result.exit_code == 1


def test_endpoint_names_and_addresses_as_source_and_target() -> None:
    by_name = azint("tracert", "loc1-vm", "hub-vm")
    assert by_name.output.startswith("\nTracing route to hub-vm [10.10.30.4]\nover a maximum of 30 hops:\n")
    # -d stops reverse look-ups of hops only: the name typed as TARGET stays in the header
    by_address = azint("tracert", "-d", "10.2.30.10", "hub-vm")
    assert by_address.output.startswith("\nTracing route to hub-vm [10.10.30.4]\nover a maximum")
    assert "[" not in by_address.output.split("hops:", 1)[1]
    assert azint("tracert", "-d", "10.2.30.10", "10.10.30.4").output.startswith(
        "\nTracing route to 10.10.30.4 over a maximum")
    assert by_address.exit_code == by_name.exit_code == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("networks:\n  - name: aa\n    kind: vnet\n    address_space: [10.0.0.300/24]\n")
    cases = {
        ("tracert", "nowhere", "10.0.0.1"): "azint: error: unknown source 'nowhere'",
        ("tracert", "hub", "10.0.0.256"): "azint: error: '10.0.0.256' is not a valid IPv4 address",
        ("ping", "--down", "er3", "hub", "10.0.0.1"): "azint: error: --down: no link or connection named 'er3'",
        ("tracert", "--topology", str(bad), "aa", "10.0.0.1"): f"{bad}:4:21: error: '10.0.0.300/24' is not an IPv4 prefix",
    }
    for args, message in cases.items():
        result = azint(*args)
        assert result.exit_code == 2, args
        assert result.output.startswith(message), result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_unknown_target_name_prints_the_windows_message() -> None:
    assert azint("tracert", "hub", "db01").output == "Unable to resolve target system name db01.\n"
    ping = azint("ping", "hub", "db01")
    assert ping.output == "Ping request could not find host db01. Please check the name and try again.\n"
    assert ping.exit_code == 2


def test_spoke_without_use_remote_gateways_reaches_only_the_hub(tmp_path: Path) -> None:
    doc = reference_doc()
    hub_spoke = next(c for c in doc["connections"] if c["name"] == "hub-spoke")
    hub_spoke["b"]["use_remote_gateways"] = False
    path = tmp_path / "no-transit.yaml"
    path.write_text(yaml.safe_dump(doc))
    targets = {"10.10.30.4": 0, "10.11.30.68": 1, "10.2.30.10": 1, "10.1.31.10": 1, "10.17.30.4": 1}
    for target, code in targets.items():
        assert azint("ping", "--topology", str(path), "spoke", target).exit_code == code, target
    assert azint("ping", "--topology", str(path), "location1", "10.11.30.4").exit_code == 1
    assert azint("ping", "spoke", "10.2.30.10").exit_code == 0  # the shipped setup, for contrast


def test_help_teaches_exit_codes() -> None:
    for command in ("tracert", "ping"):
        text = azint(command, "--help").output
        assert "Exit codes:" in text and "--down NAME" in text and "--topology FILE" in text


def test_the_bundled_topology_ships_inside_the_package() -> None:
    from azint.topology.loader import default_topology_path

    repo_copy = Path(__file__).parents[1] / "topologies" / "azure-interop.yaml"
    assert default_topology_path().read_bytes() == repo_copy.read_bytes()


def test_validate_command_reports_every_problem_and_exits_by_severity(tmp_path: Path) -> None:
    clean = azint("validate", "topologies/azure-interop.yaml")
    assert clean.exit_code == 0
    assert clean.output.startswith("topologies/azure-interop.yaml:") and ": warning: link 'er1-secondary'" in clean.output
    broken = tmp_path / "two.yaml"
    broken.write_text("networks:\n  - {name: aa, kind: vnet, adress_space: [10.0.0.0/8]}\n"
                      "  - {name: bb, kind: vnet, address_space: [10.1.0.0/33]}\n")
    before = broken.read_bytes()
    result = azint("validate", str(broken))
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"{broken}:2:5: error: missing required key 'address_space'",
        f"{broken}:2:42: error: unknown key 'adress_space'; did you mean 'address_space'?",
        f"{broken}:3:44: error: '10.1.0.0/33' is not an IPv4 prefix",
    ]
    assert broken.read_bytes() == before
