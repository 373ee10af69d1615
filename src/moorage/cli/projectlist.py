"""Projects as oc shows them: listed, named with their display names, the current one marked."""

from moorage.cli.client import ApiClient, ApiError
from moorage.resources.objects import Object

PROJECTS = "/apis/project.openshift.io/v1/projects"
NAMESPACES = "/api/v1/namespaces"
DISPLAY_NAME = "openshift.io/display-name"


def list_projects(client: ApiClient) -> list[Object]:
    """Projects, or namespaces where the server has no project API."""
    try:
        items = client.get(PROJECTS).get("items") or []
    except ApiError as exc:
        if exc.status_code != 404:
            raise
        items = client.get(NAMESPACES).get("items") or []
    return sorted(items, key=lambda o: o["metadata"]["name"])


def project_names(projects: list[Object]) -> list[str]:
    return [p["metadata"]["name"] for p in projects]


def listing(projects: list[Object], current: str, command: str = "moorage") -> str:
    lines = [
        "You have access to the following projects and can switch between them with "
        f"'{command} project <projectname>':",
        "",
    ]
    for project in projects:
        name = project["metadata"]["name"]
        display = (project["metadata"].get("annotations") or {}).get(DISPLAY_NAME)
        marker = "*" if name == current else " "
        lines.append(
            f"  {marker} {name}" + (f" - {display}" if display and display != name else "")
        )
    return "\n".join(lines) + "\n"


def no_projects(command: str = "moorage") -> str:
    return (
        "You don't have any projects. You can try to create a new project, by running\n\n"
        f"    {command} new-project <projectname>\n"
    )
