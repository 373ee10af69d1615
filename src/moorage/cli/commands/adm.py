"""`moorage adm`: administrative commands; `adm policy` binds roles project- or cluster-wide."""

import argparse
from typing import Any

from moorage.cli.commands import prune, render_manifests, rotate_keys
from moorage.cli.commands.policy import CLUSTER_CHANGES, PROJECT_CHANGES, add_policy_commands
from moorage.cli.options import add_command


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    adm = add_command(
        commands,
        "adm",
        "administrative commands: cluster-wide policy, pruning, registry token keys, manifests",
        "Administrative commands, as `oc adm` has them.",
        common,
        "example:\n  moorage adm policy add-cluster-role-to-user prometheus-scraper alice",
    )
    groups = adm.add_subparsers(
        dest="adm_command",
        metavar="policy|prune|rotate-registry-token-keys|render-manifests",
        required=True,
    )
    policy = add_command(
        groups,
        "policy",
        "bind roles in a project or across the cluster",
        "Bind roles to users, groups and service accounts: in the project (the same\n"
        "commands as `moorage policy`), or across the cluster with ClusterRoleBindings\n"
        "(add-cluster-role-to-user and the like); and ask who can do what.",
        common,
        "examples:\n  moorage adm policy add-cluster-role-to-user prometheus-scraper alice\n"
        "  moorage adm policy add-role-to-user registry-editor bob -n myproject\n"
        "  moorage adm policy remove-cluster-role-from-group self-provisioner "
        "system:authenticated:oauth",
    )
    add_policy_commands(policy, common, PROJECT_CHANGES + CLUSTER_CHANGES, "adm policy ")
    prune.register(groups, common)
    rotate_keys.register(groups, common)
    render_manifests.register(groups, common)
