"""YAML 1.1's surprises and the size caps: names are taken as written, numbers in base 60, octal,
hexadecimal or binary or with underscores are refused, and a topology as large as Azure allows
loads while alias bombs are still refused.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from azint.errors import ExitCode
from azint.topology.loader import load, load_with_problems
from azint.topology.problems import Severity
from azint.topology.validate import validate


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(text)
    return path


AZURE_NAMES = ["yes", "no", "on", "off", "017", "2024-01-01", "0x1f", "1e3", "1_000"]


@pytest.mark.parametrize("written", [*AZURE_NAMES, "1:00:00", "3.14", "~x"])
def test_a_name_is_taken_as_written_whatever_yaml_1_1_reads(tmp_path: Path, written: str) -> None:
    path = _write(tmp_path, f"name: {written}\nnetworks:\n"
                            f"  - {{name: {written}, kind: onprem, asn: 65001}}\n"
                            f"  - {{name: vnet1, kind: vnet, address_space: [10.0.0.0/16]}}\n")
    topology, _ = load_with_problems(path)
    assert topology is not None
    assert topology.name == written
    assert list(topology.sites) == [written]


@pytest.mark.parametrize("written", AZURE_NAMES)
def test_a_vnet_or_endpoint_name_is_taken_as_written(tmp_path: Path, written: str) -> None:
    path = _write(tmp_path, "networks:\n"
                            f"  - {{name: {written}, kind: vnet, address_space: [10.0.0.0/16],\n"
                            f"     endpoints: [{{name: {written}, address: 10.0.0.4}}]}}\n")
    topology = load(path)
    assert list(topology.vnets) == [written]
    assert topology.vnets[written].endpoints[0].name == written


def test_a_key_is_taken_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
networks:
  - {name: aa, kind: vnet, address_space: [10.0.0.0/16]}
  - name: site
    kind: onprem
    asn: 65001
    routers:
      - name: r1
        bgp: {local_preference: {yes: 200, 017: 150}}
""")
    topology, _ = load_with_problems(path)  # the names are unknown connections: reported later
    assert topology is not None
    router = topology.sites["site"].routers[0]
    assert dict(router.local_preference) == {"yes": 200, "017": 150}


def test_state_on_is_text_not_true(tmp_path: Path) -> None:
    path = _write(tmp_path, "networks:\n  - {name: aa, kind: vnet, address_space: [10.0.0.0/16]}\n"
                            "connections:\n  - {name: pp, type: peering, a: {network: aa},"
                            " b: {network: aa}, state: on}\n")
    report = validate(path)
    assert "expected one of up, down, got 'on'" in "\n".join(report.lines)


@pytest.mark.parametrize(("written", "message"), [
    ("1:00:00", "'1:00:00' is a base-60 number in YAML 1.1 (3600); write it in decimal, or quote "
                "it if it is text"),
    ("017", "'017' is an octal number in YAML 1.1 (15); write it without the leading zero"),
    ("-0_17", "'-0_17' is an octal number in YAML 1.1 (-15)"),
    ("0x10", "'0x10' is a hexadecimal number in YAML 1.1 (16); write it in decimal"),
    ("-0x1f", "'-0x1f' is a hexadecimal number in YAML 1.1 (-31); write it in decimal"),
    ("0b101", "'0b101' is a binary number in YAML 1.1 (5); write it in decimal"),
    ("65_001", "'65_001' is read as 65001 in YAML 1.1 (its underscores are ignored); write it "
               "without them"),
])
def test_numbers_in_base_60_octal_hexadecimal_or_binary_or_with_underscores_are_refused(
        tmp_path: Path, written: str, message: str) -> None:
    """YAML 1.1 reads all these as numbers; nobody means them in a topology (an ASN in hex, a
    digit group read as a decimal): the file says so rather than run on a silent reading."""
    path = _write(tmp_path, f"networks:\n  - {{name: s, kind: onprem, asn: {written}}}\n")
    report = validate(path)
    assert report.exit_code is ExitCode.BAD_INPUT
    assert report.lines == (f"{path}:2:37: error: {message}",) or message in report.lines[0]


def test_base_60_latency_is_refused_and_decimal_is_not(tmp_path: Path) -> None:
    base = "networks:\n  - {name: aa, kind: vnet, address_space: [10.0.0.0/16], latency_ms: %s}\n"
    assert "base-60" in validate(_write(tmp_path, base % "1:30")).lines[0]
    assert validate(_write(tmp_path, base % "90")).errors == ()
    assert validate(_write(tmp_path, base % "0")).errors == ()  # a lone zero is not octal
    assert "underscores" in validate(_write(tmp_path, base % "1_000.5")).lines[0]
    assert validate(_write(tmp_path, base % "+1.5")).errors == ()


def _full_mesh(count: int) -> str:
    lines = ["name: mesh", "networks:"]
    lines += [f"  - {{name: v{i}, kind: vnet, address_space: [10.{i // 256}.{i % 256}.0/24]}}"
              for i in range(count)]
    lines.append("connections:")
    lines += [f"  - {{name: p{i}-{j}, type: peering, a: {{network: v{i}}}, b: {{network: v{j}}}}}"
              for i in range(count) for j in range(i + 1, count)]
    return "\n".join(lines) + "\n"


def test_a_full_mesh_of_300_vnets_is_not_an_alias_bomb(tmp_path: Path) -> None:
    """300 VNets peered each with each (44,850 peerings, 299 per VNet) are within Azure's limit of
    500 peerings per VNet ("Azure subscription and service limits, quotas, and constraints",
    https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/
    azure-subscription-service-limits#networking-limits): the file loads."""
    topology, problems = load_with_problems(_write(tmp_path, _full_mesh(300)))
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert topology is not None and len(topology.peerings) == 300 * 299 // 2


def test_more_than_500_peerings_on_one_vnet_is_refused(tmp_path: Path) -> None:
    """Azure allows at most 500 peerings per VNet (same source as above)."""
    lines = ["networks:", "  - {name: hub, kind: vnet, address_space: [10.255.0.0/16]}"]
    lines += [f"  - {{name: s{i}, kind: vnet, address_space: [10.{i // 256}.{i % 256}.0/24]}}"
              for i in range(501)]
    lines.append("connections:")
    lines += [f"  - {{name: p{i}, type: peering, a: {{network: hub}}, b: {{network: s{i}}}}}"
              for i in range(501)]
    report = validate(_write(tmp_path, "\n".join(lines) + "\n"))
    assert [p.message for p in report.errors] == [
        "VNet 'hub' has 501 peerings; Azure allows at most 500 per VNet"]


def test_aliases_within_the_allowance_load_and_a_bomb_is_refused_fast(tmp_path: Path) -> None:
    shared = ("base: &space [10.0.0.0/16]\nnetworks:\n"
              + "".join(f"  - {{name: v{i}, kind: vnet, address_space: *space}}\n"
                        for i in range(3)))
    # 'base' is not a topology key: the aliases themselves are fine, the key is reported
    assert [p.message for p in validate(_write(tmp_path, shared)).errors] == [
        "unknown key 'base'"]
    bomb = "a: &a [" + ",".join(["x"] * 50) + "]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [" + ",".join([f"*{chr(97 + n)}"] * 50) + "]\n"
        for n in range(4))
    start = time.monotonic()
    report = validate(_write(tmp_path, bomb))
    assert time.monotonic() - start < 2.0
    assert "alias bomb" in report.lines[0]


def test_messages_quote_the_value_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path, "networks:\n  - {name: site, kind: onprem, asn: yes}\n")
    assert validate(path).lines == (f"{path}:2:37: error: expected a whole number, got 'yes'",)
