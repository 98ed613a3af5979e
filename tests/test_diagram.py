"""``azint diagram`` and ``--diagram``: the network and a trace's path as Mermaid, DOT and SVG.

Goldens hold the bundled topology's drawings (written from the model); the other tests check what
a drawing must show — every element, the path hop by hop, what is down — and that real tools
read it: Graphviz's ``dot`` renders the DOT, Mermaid's own parser (Node.js, installed by ``make
test`` with npm) reads the Mermaid.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from azint.data.endpoints import resolve_source, resolve_target
from azint.network import Network
from azint.render.diagram_graph import (
    Diagram,
    EdgeKind,
    Mark,
    NodeKey,
    NodeKind,
    path_diagram,
    topology_diagram,
)
from azint.render.dot import dot
from azint.render.mermaid import mermaid
from azint.topology import loader
from tests import draw_pictures
from tests.conftest import Run, golden, topology

ROOT = Path(__file__).parent.parent
MERMAID_HOME = ROOT / ".venv" / "mermaid"
YAML_BLOCK = re.compile(r"```yaml\n(azint: 1.*?)```", re.S)
PARSE_MERMAID = """
import { JSDOM } from 'jsdom';
import fs from 'node:fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
const results = [];
for (const text of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  try { const r = await mermaid.parse(text); results.push(r.diagramType); }
  catch (e) { results.push('error: ' + String(e.message || e)); }
}
console.log(JSON.stringify(results));
"""


def traced(network: Network, source: str, target: str) -> Diagram:
    """The diagram of ``network`` with tracert's path from ``source`` to ``target``."""
    sender = resolve_source(network.topology, source)
    trace = network.prober.tracert(sender, resolve_target(network.topology, target).address)
    assert network.written is not None
    return path_diagram(topology_diagram(network.written, network.down), trace)


def reference(*down: str) -> Network:
    return Network.of(loader.load(None), down)


GLOBAL_PEERING = """
  - {name: spoke-branch, type: peering, a: {network: spoke}, b: {network: branch}}
"""


def contoso(tmp_path: Path) -> Path:
    """The complete example of docs/topology.md (every key), with Route Server turned on."""
    text = YAML_BLOCK.findall((ROOT / "docs" / "topology.md").read_text())[0]
    path = tmp_path / "contoso.yaml"
    text = text.replace("branch_to_branch: false", "branch_to_branch: true")
    path.write_text(text.replace("\nnames:", GLOBAL_PEERING + "\nnames:"))
    return path


# -- goldens of the bundled topology ---------------------------------------------------------------


def test_reference_goldens(azint: Callable[..., Run]) -> None:
    """The reference network (Microsoft's interoperability test setup, "Interoperability in
    Azure - Data plane analysis",
    https://learn.microsoft.com/azure/networking/connectivty-interoperability-data-plane) drawn
    in both tongues."""
    for tongue, suffix in (("mermaid", "mmd"), ("dot", "dot")):
        run = azint("diagram", "--format", tongue)
        assert run.code == 0, run.err
        golden(f"diagram.{suffix}", run.out)
    assert azint("diagram").out == azint("diagram", "--format", "mermaid").out  # the default


def test_path_goldens(azint: Callable[..., Run]) -> None:
    """hub -> 10.2.30.10 over ExpressRoute 1, as the data-plane analysis traces it
    (https://learn.microsoft.com/azure/networking/connectivty-interoperability-data-plane)."""
    for tongue, suffix in (("mermaid", "mmd"), ("dot", "dot")):
        run = azint("diagram", "--format", tongue, "--path", "hub", "10.2.30.10")
        assert run.code == 0, run.err
        golden(f"diagram-path-hub-location1.{suffix}", run.out)


# -- what the path shows ------------------------------------------------------------------------


def test_path_over_expressroute_1_marks_timed_out_hops() -> None:
    """hub -> location1 crosses the hub's ExpressRoute gateway (hop 1 answers from the instance),
    circuit er1's primary link, then the CE and the switch, whose replies time out: their
    addresses are not advertised into the hub ("Interoperability in Azure - Data plane
    analysis", https://learn.microsoft.com/azure/networking/connectivty-interoperability-data-plane)."""
    drawn = traced(reference(), "hub", "10.2.30.10")
    moves = [(p.a, p.b, p.number, p.into) for p in drawn.path]
    assert moves == [
        (NodeKey(NodeKind.ENDPOINT, "hub-vm"), NodeKey(NodeKind.ER_GATEWAY, "hub"), 1, Mark.ANSWERED),
        (NodeKey(NodeKind.ER_GATEWAY, "hub"), NodeKey(NodeKind.CIRCUIT, "er1"), 2, Mark.PATH),
        (NodeKey(NodeKind.CIRCUIT, "er1"), NodeKey(NodeKind.ROUTER, "loc1-ce"), 3, Mark.TIMEOUT),
        (NodeKey(NodeKind.ROUTER, "loc1-ce"), NodeKey(NodeKind.ROUTER, "loc1-switch"), 4, Mark.TIMEOUT),
        (NodeKey(NodeKind.ROUTER, "loc1-switch"), NodeKey(NodeKind.ENDPOINT, "loc1-vm"), 5, Mark.ANSWERED)]
    notes = {n.key.name: [x.text for x in n.label][-1] for n in drawn.nodes if n.mark}
    assert notes["hub"] == "hop 1: 10.10.30.132"
    assert notes["loc1-ce"] == "hop 2: * timed out"
    assert notes["loc1-switch"] == "hop 3: * timed out"
    assert notes["loc1-vm"] == "hop 4: 10.2.30.10 (target)"
    assert drawn.node(NodeKey(NodeKind.CIRCUIT, "er2")).mark is Mark.NONE  # not on the path
    text = mermaid(drawn)
    assert "  class router_loc1_ce,router_loc1_switch timeout\n" in text
    assert '  circuit_er1 ==>|"3"| router_loc1_ce\n' in text


def test_dropped_packet_shows_where(azint: Callable[..., Run]) -> None:
    """location2 cannot reach remote: its CE routers discard what they have no route for (the
    static default to null of the reference setup), so the drawing ends there, marked as a drop
    ("Interoperability in Azure - Data plane analysis",
    https://learn.microsoft.com/azure/networking/connectivty-interoperability-data-plane)."""
    drawn = traced(reference(), "location2", "10.17.30.4")
    last = drawn.path[-1]
    assert last.into is Mark.DROP and last.b.kind is NodeKind.ROUTER
    assert last.b.name in ("loc2-ce1", "loc2-ce2")
    assert drawn.node(last.b).label[-1].text.endswith("null routed")
    assert "NULL_ROUTED" in drawn.caption[1]
    run = azint("diagram", "--format", "dot", "--path", "location2", "10.17.30.4")
    assert f'color="#c62828", fontcolor="#c62828", penwidth=3, label=<<B>{last.number}</B>>' in run.out


def test_path_through_an_appliance(tmp_path: Path) -> None:
    """A user route to a virtual appliance sends spoke1's packets through the hub's firewall
    ("Virtual network traffic routing: user-defined routes",
    https://learn.microsoft.com/azure/virtual-network/virtual-networks-udr-overview#user-defined)."""
    network = Network.of(loader.load(Path(topology("nva-hub"))))
    drawn = traced(network, "spoke1", "spoke2-vm")
    fw = NodeKey(NodeKind.APPLIANCE, "fw")
    assert [p.b for p in drawn.path][:1] == [fw]
    assert drawn.node(fw).label[1].text == "NVA 10.90.0.70"
    assert any(e.kind is EdgeKind.PEERING and e.b == NodeKey(NodeKind.VNET, "hub")
               for e in drawn.edges)  # the VNet with the most peerings is drawn as the hub


# -- every element, and what is down ---------------------------------------------------------------


def test_every_kind_of_element_is_drawn(tmp_path: Path, azint: Callable[..., Run]) -> None:
    """Regions, VNets, gateways, Route Server, NVA, circuit with its peering location, Global
    Reach, BGP and static VPNs, gateway transit and global peering ("Virtual network peering",
    https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview;
    "ExpressRoute Global Reach", https://learn.microsoft.com/azure/expressroute/expressroute-global-reach;
    "About Azure Route Server", https://learn.microsoft.com/azure/route-server/overview)."""
    run = azint("diagram", "--topology", str(contoso(tmp_path)))
    assert run.code == 0, run.err
    golden("diagram-contoso.mmd", run.out)
    text = run.out
    for shown in ('subgraph region_westeurope["Azure region westeurope"]',
                  'rs_hub[/"Route Server<br/>branch-to-branch"/]',
                  'nva_firewall[["firewall<br/>NVA 10.10.0.70<br/>IP forwarding"]]',
                  '"er-paris<br/>ExpressRoute circuit<br/>at Paris"',
                  '|"Global Reach paris-berlin"|',
                  '|"VPN shop-vpn<br/>IPsec, static<br/>10.4.0.0/24"|',
                  '|"VPN paris-vpn<br/>IPsec, BGP"|',
                  '|"peering hub-spoke<br/>gateway transit via hub"|',
                  'vnet_spoke ---|"peering spoke-branch<br/>global"| vnet_branch',
                  '|"hub-er-berlin<br/>weight 100"|'):
        assert shown in text


def test_down_elements_are_struck_and_dashed(azint: Callable[..., Run]) -> None:
    """What ``--down`` fails (and the file's own ``state: down`` link er1-secondary) is drawn
    struck through and dashed; a gateway instance down is struck in its gateway's list."""
    run = azint("diagram", "--down", "er2-primary", "--down", "ergw:hub@10.10.30.133",
                "--down", "router:loc2-switch")
    assert run.code == 0, run.err
    assert '-.-|"<s>er2-primary (primary)</s><br/>192.168.31.16/30"| router_loc2_ce1' in run.out
    assert '-.-|"<s>er1-secondary (secondary)</s><br/>192.168.30.20/30"| router_loc1_ce' in run.out
    assert "10.10.30.132<br/><s>10.10.30.133</s><br/>10.10.30.134" in run.out
    assert "  class router_loc2_switch down\n" in run.out
    assert '<s>loc2-switch</s><br/><s>router</s>' in run.out
    whole = azint("diagram", "--format", "dot", "--down", "ergw:hub")
    assert '<S>ExpressRoute gateway</S>' in whole.out
    assert re.search(r'ergw_hub -> circuit_er1 \[color="#bdbdbd", label=<<S>hub-er1</S>>, '
                     r'style=dashed', whole.out)


def test_drawing_does_not_depend_on_file_order(tmp_path: Path) -> None:
    """Networks, routers, endpoints and connections listed in another order, peerings written
    the other way round: the same drawing, character for character."""
    document = yaml.safe_load(contoso(tmp_path).read_text())
    document["networks"].reverse()
    document["connections"].reverse()
    for network in document["networks"]:
        for key in ("routers", "endpoints", "links", "subnets"):
            network.get(key, []).reverse()
    for connection in document["connections"]:
        if connection["type"] == "peering":
            connection["a"], connection["b"] = connection["b"], connection["a"]
        connection.get("links", []).reverse()
    shuffled = tmp_path / "shuffled.yaml"
    shuffled.write_text(yaml.safe_dump(document, sort_keys=False))
    first, second = loader.load(contoso(tmp_path)), loader.load(shuffled)
    assert mermaid(topology_diagram(first)) == mermaid(topology_diagram(second))
    assert dot(topology_diagram(first)) == dot(topology_diagram(second))


def hostile(tmp_path: Path) -> Path:
    """two-circuits.yaml with on-premises names (free text) that Mermaid and DOT read as syntax."""
    names = {"east": 'east "HQ" <1> #2 & |3|', "east-ce": "ce [a] {b} (c) end; --> x",
             "east-vm": "end", "west-vm": "o--x"}

    def renamed(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: renamed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [renamed(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    path = tmp_path / "hostile.yaml"
    document = renamed(yaml.safe_load(Path(topology("two-circuits")).read_text()))
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_names_cannot_break_the_syntax(tmp_path: Path) -> None:
    """Quotes, brackets, arrows and Mermaid's keyword ``end`` in names stay inside labels."""
    drawn = topology_diagram(loader.load(hostile(tmp_path)))
    text = mermaid(drawn)
    assert ('site_east__HQ___1___2____3_["on-premises east #quot;HQ#quot; #lt;1#gt; #35;2 #amp; '
            '#124;3#124;<br/>ASN 65101"]') in text
    assert 'vm_end("end<br/>10.61.0.10")' in text
    assert "ce [a] {b} (c) end; --#gt; x" in text
    assert "&lt;1&gt; #2 &amp; |3|" in dot(drawn)


# -- real tools read it ----------------------------------------------------------------------------


def drawings(tmp_path: Path) -> Iterator[tuple[str, Diagram]]:
    yield "reference", topology_diagram(loader.load(None))
    yield "path", traced(reference(), "hub", "10.2.30.10")
    yield "drop", traced(reference("er1-primary"), "location2", "10.17.30.4")
    yield "down", topology_diagram(loader.load(None), {"ergw:hub", "er2", "router:loc1-ce"})
    yield "contoso", topology_diagram(loader.load(contoso(tmp_path)))
    yield "hostile", topology_diagram(loader.load(hostile(tmp_path)))


def test_graphviz_renders_the_dot(tmp_path: Path) -> None:
    """Graphviz's dot draws every drawing without a warning, each node and path move in it."""
    program = shutil.which("dot")
    if program is None:
        pytest.skip("Graphviz's dot is not installed (make test installs it as root with apt-get)")
    for name, drawn in drawings(tmp_path):
        done = subprocess.run([program, "-Tsvg"], input=dot(drawn), capture_output=True,
                              text=True, check=False)
        assert (name, done.returncode, done.stderr) == (name, 0, "")
        assert done.stdout.count('class="node"') == len(drawn.nodes)
        assert done.stdout.count('class="edge"') == len(drawn.edges) + len(drawn.path)


def test_mermaid_parser_reads_the_mermaid(tmp_path: Path) -> None:
    """Mermaid's own parser (mermaid on Node.js) reads every drawing as a flowchart."""
    node = shutil.which("node")
    if node is None or not (MERMAID_HOME / "node_modules" / "mermaid").is_dir():
        pytest.skip("Mermaid's parser is not installed: 'make test' installs it with npm "
                    "(needs Node.js and npm)")
    texts = [mermaid(drawn) for _, drawn in drawings(tmp_path)]
    done = subprocess.run([node, "--input-type=module", "-e", PARSE_MERMAID],
                          input=json.dumps(texts), capture_output=True, text=True,
                          cwd=MERMAID_HOME, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["flowchart-v2"] * len(texts)


def test_svg_through_graphviz(azint: Callable[..., Run]) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (make test installs it as root with apt-get)")
    run = azint("diagram", "--format", "svg", "--path", "hub", "10.2.30.10")
    assert run.code == 0 and run.out.startswith("<?xml") and "</svg>" in run.out
    assert "<title>router_loc1_ce</title>" in run.out


def test_svg_without_graphviz_says_so(azint: Callable[..., Run],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", os.devnull)
    run = azint("diagram", "--format", "svg")
    assert (run.code, run.out) == (2, "")
    assert run.err == ("azint: error: --format svg needs Graphviz's 'dot' program, which is not "
                       "on PATH (install graphviz, e.g. 'apt-get install graphviz'), or use "
                       "--format dot\n")


def test_bad_path_ends_are_usage_errors(azint: Callable[..., Run]) -> None:
    run = azint("diagram", "--path", "hub", "nowhere")
    assert (run.code, run.err) == (2, "azint: error: unknown target 'nowhere'\n")
    assert azint("diagram", "--path", "hub").code == 2  # --path takes two values


# -- tracert --diagram and explain --diagram ------------------------------------------------------------


def test_tracert_and_explain_append_the_same_diagram(azint: Callable[..., Run]) -> None:
    picture = azint("diagram", "--path", "hub", "10.2.30.10").out
    plain = azint("tracert", "hub", "10.2.30.10")
    drawn = azint("tracert", "hub", "10.2.30.10", "--diagram")
    assert (drawn.code, drawn.out) == (plain.code, plain.out + "\n" + picture)
    said = azint("explain", "hub", "10.2.30.10")
    assert azint("explain", "hub", "10.2.30.10", "--diagram").out == said.out + "\n" + picture
    document = azint("tracert", "hub", "10.2.30.10", "--json", "--diagram").json()
    assert document["diagram"] == picture
    assert "diagram" not in azint("tracert", "hub", "10.2.30.10", "--json").json()
    assert azint("explain", "hub", "10.2.30.10", "--json", "--diagram").json()["diagram"] == picture


def test_tracert_loads_no_picture_code_without_diagram() -> None:
    """tracert's start-up path stays as it was: the diagram modules load only for --diagram."""
    probe = ("import sys\nfrom azint.cli import main\ntry:\n    main(sys.argv[1:])\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if 'diagram' in m or 'picture' in m "
             "or m.endswith(('.mermaid', '.dot'))), file=sys.stderr)")
    for args, loaded in ((["tracert", "hub", "10.2.30.10"], "[]"),
                         (["tracert", "hub", "10.2.30.10", "--diagram"],
                          "['azint.cli.picture', 'azint.render.diagram_graph', 'azint.render.dot', "
                          "'azint.render.mermaid']")):
        done = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", probe, *args],
                              capture_output=True, text=True, check=False)
        assert done.stderr.strip() == loaded


def test_every_edge_is_styled_once(tmp_path: Path) -> None:
    """Mermaid styles edges by their index: each network edge and path move has exactly one."""
    for _, drawn in drawings(tmp_path):
        styled = [int(i) for line in mermaid(drawn).splitlines() if line.startswith("  linkStyle ")
                  for i in line.split()[1].split(",")]
        assert sorted(styled) == list(range(len(drawn.edges) + len(drawn.path)))


# -- the pictures and the Mermaid block of docs/diagrams.md ------------------------------------------


def titles(svg: str) -> list[str]:
    """The SVG's node and edge titles (Graphviz titles the graph and its clusters too)."""
    found = [html.unescape(t) for t in re.findall(r"<title>(.*?)</title>", svg)[1:]]
    return sorted(t for t in found if not t.startswith("cluster_"))


def dot_titles(text: str) -> list[str]:
    nodes = re.findall(r"^\s*(\w+) \[label=", text, re.M)
    edges = [f"{a}->{b}" for a, b in re.findall(r"^\s*(\w+) -> (\w+) \[", text, re.M)]
    return sorted(nodes + edges)


@pytest.mark.parametrize("name", [name for name, _ in draw_pictures.PICTURES])
def test_pictures_in_docs_show_what_azint_draws(name: str) -> None:
    """docs/NAME.svg (drawn by 'make pictures') holds exactly today's nodes and edges."""
    svg = (ROOT / "docs" / f"{name}.svg").read_text()
    assert titles(svg) == dot_titles(draw_pictures.dot_text(name))
    assert (ROOT / "docs" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_mermaid_block_in_docs_is_the_command_output(azint: Callable[..., Run]) -> None:
    text = (ROOT / "docs" / "diagrams.md").read_text()
    marker = "<!-- mermaid: azint diagram --path hub 10.2.30.10 -->\n```mermaid\n"
    block = text[text.index(marker) + len(marker):]
    assert block[:block.index("```\n")] == azint("diagram", "--path", "hub", "10.2.30.10").out


def test_draw_pictures_script_writes_svg_and_png(tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (make test installs it as root with apt-get)")
    assert draw_pictures.main(["--into", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{name}.{suffix}" for name, _ in draw_pictures.PICTURES for suffix in ("png", "svg"))


def test_a_loop_draws_each_move_once(azint: Callable[..., Run]) -> None:
    """Two routers whose static routes point at each other: the packet goes round until its TTL
    runs out; each move is drawn once with the numbers it was made at, the last node red."""
    network = Network.of(loader.load(Path(topology("loops"))))
    drawn = traced(network, "site", "10.99.0.5")
    r1, r2 = NodeKey(NodeKind.ROUTER, "r1"), NodeKey(NodeKind.ROUTER, "r2")
    assert [(p.a.name, p.b.name, p.text) for p in drawn.path] == [
        ("site-vm", "r1", "1"), ("r1", "r2", "2, 4 ... 30"), ("r2", "r1", "3, 5 ... 29")]
    assert drawn.node(r2).mark is Mark.DROP and drawn.node(r1).mark is Mark.ANSWERED
    assert [x.text for x in drawn.node(r2).label][-3:] == [
        "hop 4: 10.60.1.1", "... 12 more", "hop 30: 10.60.1.1; loop"]
    assert drawn.caption[1].startswith("LOOP: forwarding loop")


def test_json_is_the_graph_itself(azint: Callable[..., Run]) -> None:
    """--json: the groups, nodes, edges and path moves the drawings are made of, by id."""
    document = azint("diagram", "--json", "--path", "hub", "10.2.30.10", "--down",
                     "er2-primary").json()
    drawn = traced(reference("er2-primary"), "hub", "10.2.30.10")
    assert (document["schema"], document["command"], document["down"]) == (1, "diagram", ["er2-primary"])
    assert len(document["nodes"]) == len(drawn.nodes) and len(document["edges"]) == len(drawn.edges)
    assert [(p["a"], p["b"], p["into"]) for p in document["path"]] == [
        ("vm_hub_vm", "ergw_hub", "answered"), ("ergw_hub", "circuit_er1", "path"),
        ("circuit_er1", "router_loc1_ce", "timeout"), ("router_loc1_ce", "router_loc1_switch", "timeout"),
        ("router_loc1_switch", "vm_loc1_vm", "answered")]
    link = next(e for e in document["edges"] if e["label"] and e["label"][0]["text"].startswith("er2-primary"))
    assert (link["kind"], link["down"], link["label"][0]["struck"]) == ("circuit_link", True, True)
    ids = {n["id"] for n in document["nodes"]} | {g["id"] for g in document["groups"]}
    assert {n["group"] for n in document["nodes"]} - {None} <= ids
    assert azint("diagram", "--json", "--path", "hub", "nowhere").json()["error"]["message"] == \
        "unknown target 'nowhere'"
