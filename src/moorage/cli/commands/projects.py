"""`moorage new-project`, `moorage projects`, `moorage project`: projects and the current one."""

import argparse
from typing import Any

from moorage.cli import contexts
from moorage.cli.client import ApiError
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.projectlist import list_projects, listing, no_projects
from moorage.cli.session import Session

PROJECT_REQUESTS = "/apis/project.openshift.io/v1/projectrequests"
PROJECTS = "/apis/project.openshift.io/v1/projects"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    new = add_command(
        commands,
        "new-project",
        "create a project and switch to it",
        "Request a new project (a ProjectRequest) and make it the current context's\n"
        "namespace, as `oc new-project` does.",
        common,
        'example:\n  moorage new-project team-a --display-name "Team A" --description "our images"',
    )
    new.add_argument("name", metavar="NAME")
    new.add_argument("--display-name", default="", help="a human-readable name")
    new.add_argument("--description", default="", help="what the project is for")
    new.add_argument(
        "--skip-config-write", action="store_true", help="do not switch to the project"
    )
    new.set_defaults(func=run_new_project)

    listed = add_command(
        commands,
        "projects",
        "list the projects, marking the current one",
        "List the projects on the server; the current one is marked with *.",
        common,
    )
    listed.add_argument("-q", "--short", action="store_true", help="project names only")
    listed.set_defaults(func=run_projects)

    switch = add_command(
        commands,
        "project",
        "show the current project, or switch to another",
        "Without NAME, show the current project; with NAME, make it the current\n"
        "context's namespace (a context per project, as oc names them).",
        common,
    )
    switch.add_argument("name", nargs="?", metavar="NAME")
    switch.add_argument("-q", "--short", action="store_true", help="print just the project's name")
    switch.set_defaults(func=run_project)


def run_new_project(args: argparse.Namespace) -> int:
    session = Session(args)
    request: dict[str, Any] = {
        "apiVersion": "project.openshift.io/v1",
        "kind": "ProjectRequest",
        "metadata": {"name": args.name},
    }
    if args.display_name:
        request["displayName"] = args.display_name
    if args.description:
        request["description"] = args.description
    session.client.create(PROJECT_REQUESTS, request)
    if args.skip_config_write:
        print(f'Project "{args.name}" created on server "{session.server}".')
        return 0
    _switch(session, args.name)
    print(f'Now using project "{args.name}" on server "{session.server}".')
    return 0


def run_projects(args: argparse.Namespace) -> int:
    session = Session(args)
    projects = list_projects(session.client)
    if args.short:
        print("\n".join(p["metadata"]["name"] for p in projects))
        return 0
    if not projects:
        print(no_projects(), end="")
        return 0
    print(listing(projects, session.namespace))
    print(f'Using project "{session.namespace}" on server "{session.server}".')
    return 0


def run_project(args: argparse.Namespace) -> int:
    session = Session(args)
    if not args.name:
        if args.short:
            print(session.namespace)
            return 0
        _require(session, session.namespace, "specified in your config ")
        print(f'Using project "{session.namespace}" on server "{session.server}".')
        return 0
    _require(session, args.name)
    _switch(session, args.name)
    if args.short:
        print(args.name)
    else:
        print(f'Now using project "{args.name}" on server "{session.server}".')
    return 0


def _require(session: Session, name: str, where: str = "") -> None:
    try:
        session.client.get(f"{PROJECTS}/{name}")
    except ApiError as exc:
        if exc.status_code == 404:
            raise CliError(f'the project "{name}" {where}does not exist') from None
        raise


def _switch(session: Session, namespace: str) -> None:
    contexts.switch_namespace(session.config, session.server, namespace)
    session.config.save()
