"""auth can-i: yes or no as kubectl answers; impersonation; 401 and 403 in oc's words."""

from collections.abc import Callable

from tests.cli.conftest import Cli


def test_kubeadmin_may_do_anything(cli: Cli, project: str) -> None:
    assert cli("auth", "can-i", "create", "imagestreams") == "yes\n"
    assert cli("auth", "can-i", "*", "*", "--all-namespaces") == "yes\n"


def test_a_user_may_pull_once_given_registry_viewer(
    cli: Cli, project: str, login_as: Callable[[str], Cli]
) -> None:
    alice = login_as("alice")
    pull = ("auth", "can-i", "get", "imagestreams/layers", "-n", project)
    refused = alice.run(*pull)
    assert (refused.returncode, refused.stdout.split("\n")[0].split(" ")[0]) == (1, "no")
    cli("policy", "add-role-to-user", "registry-viewer", "alice")
    assert alice(*pull) == "yes\n"
    assert alice("auth", "can-i", "get", "is/layers", "app", "-n", project) == "yes\n"
    qualified = "imagestreams.image.openshift.io"
    assert alice("auth", "can-i", "get", qualified, "--subresource", "layers", "-n", project)
    push = alice.run("auth", "can-i", "update", "imagestreams/layers", "-n", project)
    assert push.returncode == 1 and push.stdout.startswith("no")
    elsewhere = alice.run("auth", "can-i", "get", "imagestreams/layers", "--all-namespaces", "-q")
    assert (elsewhere.returncode, elsewhere.stdout) == (1, "")


def test_can_i_as_someone_else(cli: Cli, project: str, login_as: Callable[[str], Cli]) -> None:
    cli("policy", "add-role-to-user", "registry-editor", "bob")
    push = ("auth", "can-i", "update", "imagestreams/layers")
    assert cli(*push, "--as", "bob") == "yes\n"
    assert cli.run(*push, "--as", "carol").returncode == 1
    assert cli(*push, "--as", "carol", "--as-group", "system:cluster-admins") == "yes\n"
    line = cli.fails(*push, "--as-group", "system:cluster-admins")
    assert line == "error: --as-group needs --as USER: groups are impersonated with a user"
    carol = login_as("carol")
    line = carol.fails(*push, "-n", project, "--as", "bob")
    assert line == (
        'error: users "bob" is forbidden: User "carol" cannot impersonate resource "users" '
        'in API group "" at the cluster scope'
    )


def test_a_type_the_server_does_not_know_is_asked_about_anyway(cli: Cli, project: str) -> None:
    result = cli.run("auth", "can-i", "get", "widgets.example.com")
    assert (result.returncode, result.stdout) == (0, "yes\n")  # cluster-admin: any resource
    assert (
        result.stderr == 'Warning: the server doesn\'t have a resource type "widgets.example.com"\n'
    )


def test_forbidden_is_the_server_s_message_alone(
    project: str, login_as: Callable[[str], Cli]
) -> None:
    line = login_as("dave").fails("get", "imagestreams", "-n", project)
    assert line == (
        'error: imagestreams.image.openshift.io is forbidden: User "dave" cannot list resource '
        f'"imagestreams" in API group "image.openshift.io" in the namespace "{project}"'
    )
