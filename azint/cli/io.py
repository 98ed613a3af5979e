"""Commands that bring networks in and out: ``import arm|terraform``, ``export arm`` and
``verify routes`` (the model's routes against what Azure reported)."""

from __future__ import annotations

from pathlib import Path

import click

from azint.cli.options import (
    WholeSummaries,
    complete_network,
    emit,
    epilog,
    model_options,
    output,
    topology_option,
)
from azint.errors import ExitCode, UsageError, printable
from azint.sources.writer import Imported

DISAGREE = ExitCode.UNREACHED  # 1: Azure and the model disagree
VERIFY_CODES = ("0   Azure and the model agree", "1   they disagree: the rows are listed",
                "2   EFFECTIVE.json cannot be read, or a bad name")
IMPORT_CODES = ("0   done (warnings, assumptions among them, are printed on stderr)",
                "2   an input cannot be read: malformed JSON or a dangling reference (FILE and "
                "JSON path named)")


@click.group("import", cls=WholeSummaries, epilog=epilog(
    ["azint import arm exported/ -o my-network.yaml",
     "terraform show -json plan > plan.json && azint import terraform plan.json -o new.yaml"],
    *IMPORT_CODES))
def import_() -> None:
    """Write a topology from Azure Resource Manager JSON or a Terraform plan.

    The Azure side is what the resources say; the on-premises side is what Azure knows of it (a
    site per local network gateway or circuit peer). What Azure cannot know is marked as an
    assumption in a comment and a warning; resources azint does not model are counted on stderr.
    """


def _output_options(function: click.decorators.FC) -> click.decorators.FC:
    function = click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")(function)
    function = click.option("--name", default="imported", show_default=True,
                            help="The topology's name.")(function)
    return click.option("-o", "--output", "target", metavar="FILE",
                        type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                        help="Write the topology to FILE (never over an existing one without "
                        "--force). [default: standard output]")(function)


@import_.command("arm", epilog=epilog(
    ["az network vnet list -o json > vnets.json; azint import arm vnets.json gateways.json",
     "az group export -g network-rg > template.json; azint import arm template.json",
     "azint import arm exported/ -o my-network.yaml --force"], *IMPORT_CODES))
@_output_options
@click.argument("sources", metavar="FILE|DIR...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
def arm(sources: tuple[Path, ...], target: Path | None, name: str, force: bool) -> None:
    """Write a topology from Azure Resource Manager JSON: az CLI output (one resource or a
    list), Azure Resource Graph results, REST GET bodies, or an 'az group export' template.

    A DIR is read for every *.json file under it. Resources are joined by their ids, compared
    case-insensitively as Azure does.
    """
    from azint.sources.pipeline import import_arm

    _deliver(import_arm(sources, name), target, force)


@import_.command("terraform", epilog=epilog(
    ["terraform show -json plan.tfplan > plan.json; azint import terraform plan.json -o new.yaml",
     "terraform show -json > state.json; azint import terraform state.json -o current.yaml",
     "azint diff current.yaml new.yaml"], *IMPORT_CODES))
@_output_options
@click.argument("source", metavar="PLAN.json", type=click.Path(path_type=Path))
def terraform(source: Path, target: Path | None, name: str, force: bool) -> None:
    """Write a topology from 'terraform show -json' output: a plan (what apply would build) or
    a state, with its child modules; the azurerm provider's network resources are read.

    A plan does not know the ids of resources it creates: they are joined by the references
    its configuration records (azurerm_subnet.app.id), through module inputs and outputs.
    """
    from azint.sources.pipeline import import_terraform

    _deliver(import_terraform(source, name), target, force)


@click.group("export", cls=WholeSummaries, epilog=epilog(["azint export arm > network.json"], "0   done"))
def export() -> None:
    """Write the Azure side of a topology in another form."""


@export.command("arm", epilog=epilog(
    ["azint export arm > network.json", "azint export arm --topology mine.yaml | jq '.[].id'",
     "azint export arm -o net.json && azint import arm net.json -o again.yaml"], "0   done"))
@click.option("--resource-group", "group", default="azint", show_default=True,
              help="The resource group named in every resource id.")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.option("-o", "--output", "target", metavar="FILE",
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write the JSON to FILE (never over an existing one without --force). "
              "[default: standard output]")
@topology_option
def arm_export(topology: Path | None, target: Path | None, force: bool, group: str) -> None:
    """Write the Azure side of a topology as Azure Resource Manager JSON: a list of resources
    as REST GET bodies (virtual networks, route tables, network interfaces, gateways, local
    network gateways, connections, ExpressRoute circuits), which 'azint import arm' reads.

    Each on-premises site becomes a local network gateway with its ASN and prefixes; what ARM
    has no field for (failures, latencies, a site's inner routers) is left out, with a warning.
    """
    import json

    from azint.sources.export import export_arm
    from azint.topology import loader

    exported = export_arm(loader.load(topology), group)
    text = json.dumps(exported.resources, indent=2) + "\n"
    _deliver(Imported(text, exported.warnings, []), target, force)


@click.group("verify", cls=WholeSummaries, epilog=epilog(
    ["az network nic show-effective-route-table -g rg -n vm-nic -o json > effective.json",
     "azint verify routes effective.json --network spoke --topology mine.yaml"], *VERIFY_CODES))
def verify() -> None:
    """Compare the model with what Azure itself reported."""


@verify.command("routes", epilog=epilog(
    ["az network nic show-effective-route-table -g rg -n vm-nic -o json > effective.json",
     "azint verify routes effective.json --network spoke --topology mine.yaml",
     "azint verify routes effective.json --network hub --subnet default --topology mine.yaml --json"],
    *VERIFY_CODES))
@click.option("--network", "vnet", metavar="NAME", required=True,
              shell_complete=complete_network, help="The VNet the NIC is in.")
@click.option("--subnet", metavar="NAME", help="The NIC's subnet. [default: the subnet of the "
              "network's first endpoint]")
@model_options
@click.argument("effective", metavar="EFFECTIVE.json", type=click.Path(path_type=Path))
def routes(effective: Path, vnet: str, subnet: str | None, topology: Path | None,
           down: tuple[str, ...], as_json: bool) -> None:
    """Compare a subnet's effective routes in the model with those Azure reported for a NIC
    in it ('az network nic show-effective-route-table -o json'): routes only in Azure, only in
    the model, or different (state, next hop type or addresses)."""
    from azint.control import show
    from azint.network import Network
    from azint.render.verify import verify_document, verify_json
    from azint.sources.arm import read_json
    from azint.sources.effective import EffectiveRoute, compare, read_effective

    reported = read_effective(str(effective), read_json(effective))
    network = Network.open(topology, down)
    if show.network_kind(network.topology, vnet) != "vnet":
        raise UsageError(f"'{vnet}' is an on-premises site; Azure reports routes of VNets")
    chosen = subnet or show.default_subnet(network.topology, vnet)
    model = [EffectiveRoute(r.source, r.state, r.prefix, r.next_hop_type, r.next_hop_ips)
             for r in show.effective_routes(network.plane, vnet, chosen)]
    found = compare(reported, model)
    emit(as_json, lambda: verify_json(network.topology.name, down, vnet, chosen, found),
         lambda: verify_document(vnet, chosen, found))
    raise SystemExit(ExitCode.OK if found.agree else DISAGREE)


def _deliver(imported: Imported, target: Path | None, force: bool) -> None:
    """The warnings on stderr, then the topology to FILE or stdout."""
    for warning in imported.warnings:  # escaped: the input's names must not forge a line
        click.echo(printable(f"azint: warning: {warning}"), err=True)
    for kind, count in imported.not_modelled:
        click.echo(printable(f"azint: warning: not modelled: {kind}: {count} resource"
                             f"{'s' if count != 1 else ''}"), err=True)
    if target is None or str(target) == "-":
        output(imported.text)
        return
    if target.exists() and not force:
        raise UsageError(f"{target} exists; add --force to overwrite it")
    try:
        target.write_text(imported.text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
