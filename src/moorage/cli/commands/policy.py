"""`moorage policy` and `moorage adm policy`: bind roles, and ask who can do what.

`policy` works in the project: RoleBindings of a cluster role (or, with
--role-namespace, of the project's own Role). `adm policy` has those too, as oc
does, and the cluster-wide ClusterRoleBinding commands.
"""

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from moorage.cli.client import ApiClient, ApiError
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.reviews import access_review, resolve_action, who_can_report
from moorage.cli.rolebindings import (
    RBAC,
    Bindings,
    Role,
    Scope,
    group_subject,
    service_account_subject,
    user_subject,
)
from moorage.cli.session import Session
from moorage.resources.objects import Object

USERS = "/apis/user.openshift.io/v1/users"


@dataclass(frozen=True)
class Change:
    """One of the eight role commands: add or remove, project or cluster, users or groups."""

    command: str
    adding: bool
    cluster: bool
    groups: bool

    @property
    def summary(self) -> str:
        role = "cluster role" if self.cluster else "role"
        whom = "groups" if self.groups else "users or service accounts"
        where = "across the cluster" if self.cluster else "in the project"
        if self.adding:
            return f"add a {role} to {whom} {where}"
        return f"remove a {role} from {whom} {where}"


PROJECT_CHANGES = [
    Change("add-role-to-user", True, False, False),
    Change("remove-role-from-user", False, False, False),
    Change("add-role-to-group", True, False, True),
    Change("remove-role-from-group", False, False, True),
]
CLUSTER_CHANGES = [
    Change("add-cluster-role-to-user", True, True, False),
    Change("remove-cluster-role-from-user", False, True, False),
    Change("add-cluster-role-to-group", True, True, True),
    Change("remove-cluster-role-from-group", False, True, True),
]
PROJECT_HELP = """{summary}.

ROLE is a cluster role (registry-viewer, registry-editor, view, edit, admin...)
unless --role-namespace names the project, for a Role of the project's own.
Adding puts the subjects in a RoleBinding of the role in the project, creating
one (named after the role, or --rolebinding-name) when there is none; removing
takes them out of every binding of the role there, and deletes a binding left
with nobody. A user named system:serviceaccount:NAMESPACE:NAME, or -z NAME for the
project's own, is a service account. Neither role nor users need exist yet."""
CLUSTER_HELP = """{summary}.

The subjects are put in (or taken out of) a ClusterRoleBinding of the cluster
role ROLE, which then applies in every project: adding creates a binding named
after the role (or --rolebinding-name) when there is none; removing deletes a
binding left with nobody."""
EXAMPLES = {
    "add-role-to-user": """examples:
  moorage {prefix}add-role-to-user registry-viewer alice      # alice may pull
  moorage {prefix}add-role-to-user registry-editor alice bob  # they may push
  moorage {prefix}add-role-to-user edit -z pusher             # a service account
  moorage {prefix}add-role-to-user system:image-puller system:serviceaccount:other:default""",
    "remove-role-from-user": """examples:
  moorage {prefix}remove-role-from-user registry-editor bob
  moorage {prefix}remove-role-from-user edit -z pusher""",
    "add-role-to-group": """example:
  moorage {prefix}add-role-to-group registry-viewer system:authenticated""",
    "remove-role-from-group": """example:
  moorage {prefix}remove-role-from-group registry-viewer system:authenticated""",
    "add-cluster-role-to-user": """examples:
  moorage adm policy add-cluster-role-to-user prometheus-scraper alice
  moorage adm policy add-cluster-role-to-user registry-viewer -z puller -n ci""",
    "remove-cluster-role-from-user": """example:
  moorage adm policy remove-cluster-role-from-user prometheus-scraper alice""",
    "add-cluster-role-to-group": """example:
  moorage adm policy add-cluster-role-to-group registry-viewer developers""",
    "remove-cluster-role-from-group": """example:
  moorage adm policy remove-cluster-role-from-group self-provisioner system:authenticated:oauth""",
}
WHO_CAN_HELP = """List who can do VERB on RESOURCE in the project (a LocalResourceAccessReview),
or in every project with --all-namespaces (a ResourceAccessReview): the users and
groups the role bindings grant it to. RESOURCE is a type as `get` takes it, with
/SUBRESOURCE for a subresource, e.g. imagestreams/layers (the blobs pulls and
pushes touch); NAME narrows it to one object."""
WHO_CAN_EXAMPLES = """examples:
  moorage policy who-can get imagestreams/layers       # who may pull here
  moorage policy who-can update imagestreams/layers    # who may push here
  moorage policy who-can create imagestreams --all-namespaces"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    policy = add_command(
        commands,
        "policy",
        "manage authorization in the project",
        "Bind roles to users, groups and service accounts in the project, and ask who\n"
        "can do what there.",
        common,
        "examples:\n  moorage policy add-role-to-user registry-viewer alice\n"
        "  moorage policy who-can get imagestreams/layers",
    )
    add_policy_commands(policy, common, PROJECT_CHANGES, "policy ")


def add_policy_commands(
    parent: argparse.ArgumentParser,
    common: argparse.ArgumentParser,
    changes: list[Change],
    prefix: str,
) -> None:
    names = "|".join(["who-can", *(c.command for c in changes)])
    commands = parent.add_subparsers(dest="policy_command", metavar=names, required=True)
    who = add_command(
        commands, "who-can", "list who can do an action", WHO_CAN_HELP, common, WHO_CAN_EXAMPLES
    )
    who.add_argument("verb", metavar="VERB")
    who.add_argument("resource", metavar="RESOURCE")
    who.add_argument("name", nargs="?", default="", metavar="NAME")
    who.add_argument("-A", "--all-namespaces", action="store_true", help="who can in every project")
    who.set_defaults(func=run_who_can)
    for change in changes:
        _add_change_command(commands, common, change, prefix)


def _add_change_command(
    commands: Any, common: argparse.ArgumentParser, change: Change, prefix: str
) -> None:
    text = (CLUSTER_HELP if change.cluster else PROJECT_HELP).format(
        summary=change.summary[0].upper() + change.summary[1:],
        command=change.command,
        prefix=prefix,
    )
    example = EXAMPLES.get(change.command, "").format(prefix=prefix) or None
    parser = add_command(commands, change.command, change.summary, text, common, example)
    parser.add_argument("role", metavar="ROLE", help="the role's name")
    whom = "GROUP" if change.groups else "USER"
    parser.add_argument(
        "targets",
        nargs="+" if change.groups else "*",
        metavar=whom,
        help="groups' names" if change.groups else "user names (or none, with -z)",
    )
    parser.add_argument(
        "--rolebinding-name", default=None, metavar="NAME", help="the binding to change or create"
    )
    if not change.cluster:
        parser.add_argument(
            "--role-namespace",
            default="",
            metavar="NS",
            help="the namespace of a Role (the project's own); empty: a cluster role",
        )
    if not change.groups:
        parser.add_argument(
            "-z",
            "--serviceaccount",
            action="append",
            default=[],
            metavar="NAME",
            help="a service account of the project (repeatable)",
        )
    parser.set_defaults(func=run_change, change=change)


def run_who_can(args: argparse.Namespace) -> int:
    session = Session(args)
    action = resolve_action(session, args.verb, args.resource, args.name)
    namespace = None if args.all_namespaces else session.namespace
    path, review = access_review(action, namespace)
    print(who_can_report(action, namespace, session.client.create(path, review)), end="")
    return 0


def run_change(args: argparse.Namespace) -> int:
    change: Change = args.change
    session = Session(args)
    namespace = session.namespace
    role = _role(args, namespace)
    targets, subjects = _subjects(args, namespace)
    bindings = Bindings(session.client, Scope(None if change.cluster else namespace))
    if change.adding:
        bindings.add(role, subjects, args.rolebinding_name)
        _warn_missing(session.client, role, namespace, subjects)
    elif not bindings.remove(role, subjects, args.rolebinding_name):
        raise CliError(f"unable to find target [{' '.join(targets)}]")
    print(f"{role.ref} {'added' if change.adding else 'removed'}: {_quoted(targets)}")
    return 0


def _role(args: argparse.Namespace, namespace: str) -> Role:
    """A ClusterRole, unless --role-namespace names the project's own Role."""
    own = getattr(args, "role_namespace", "")
    if not own:
        return Role("ClusterRole", args.role)
    if own != namespace:
        raise CliError(
            f'role binding in namespace "{namespace}" can\'t reference role in different '
            f'namespace "{own}"'
        )
    return Role("Role", args.role)


def _subjects(args: argparse.Namespace, namespace: str) -> tuple[list[str], list[Object]]:
    """The names as typed (for the message) and the subjects they stand for."""
    if args.change.groups:
        return args.targets, [group_subject(g) for g in args.targets]
    accounts = [name for value in args.serviceaccount for name in value.split(",") if name]
    if not args.targets and not accounts:
        raise CliError("you must specify at least one user or service account")
    for account in accounts:
        if account.startswith("system:serviceaccount"):
            raise CliError(
                "--serviceaccount (-z) takes a service account's short name (e.g. default)"
            )
    subjects = [user_subject(u) for u in args.targets]
    subjects += [service_account_subject(namespace, a) for a in accounts]
    return [*args.targets, *accounts], subjects


def _quoted(targets: list[str]) -> str:
    """`"alice"`, or `["alice" "bob"]` for several, as oc quotes them."""
    quoted = [json.dumps(t, ensure_ascii=False) for t in targets]
    return quoted[0] if len(quoted) == 1 else f"[{' '.join(quoted)}]"


def _warn_missing(client: ApiClient, role: Role, namespace: str, subjects: list[Object]) -> None:
    """oc's warnings for a role or subject that does not exist (yet): binding works anyway."""
    if role.kind == "Role":
        role_path = f"{RBAC}/namespaces/{namespace}/roles/{role.name}"
    else:
        role_path = f"{RBAC}/clusterroles/{role.name}"
    if _missing(client, role_path):
        print(f"Warning: role '{role.name}' not found", file=sys.stderr)
    for subject in subjects:
        path = _subject_path(subject)
        if path and _missing(client, path):
            print(f"Warning: {subject['kind']} '{subject['name']}' not found", file=sys.stderr)


def _subject_path(subject: Object) -> str | None:
    name = subject["name"]
    if subject["kind"] == "ServiceAccount":
        return f"/api/v1/namespaces/{subject['namespace']}/serviceaccounts/{name}"
    if subject["kind"] == "User":
        return f"{USERS}/{name}"
    return None  # groups: system:authenticated and its like are never objects


def _missing(client: ApiClient, path: str) -> bool:
    try:
        client.get(path)
    except ApiError as exc:
        return exc.status_code == 404
    return False
