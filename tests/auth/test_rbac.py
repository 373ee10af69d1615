"""The RBAC authorizer: rule matching, each kind of binding and subject, and denials."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

from moorage.auth.principal import ANONYMOUS_USER as ANONYMOUS
from moorage.auth.principal import AUTHENTICATED, UNAUTHENTICATED, service_account
from moorage.auth.rbac import Attributes, Decision, Policy, authorize

Object = dict[str, Any]
RBAC = "rbac.authorization.k8s.io"
IMAGE = "image.openshift.io"


def account_identity(namespace: str, name: str) -> tuple[str, tuple[str, ...]]:
    account = service_account(namespace, name)
    return account.name, account.groups


def rule(verbs: list[str], groups: list[str], resources: list[str], **extra: list[str]) -> Object:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs, **extra}


def role(name: str, rules: list[Object], namespace: str | None = None) -> Object:
    metadata: Object = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": "Role" if namespace else "ClusterRole", "metadata": metadata, "rules": rules}


def binding(
    name: str, ref_kind: str, ref_name: str, subjects: list[Object], namespace: str | None = None
) -> Object:
    metadata: Object = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC, "kind": ref_kind, "name": ref_name},
        "subjects": subjects,
    }


def user(name: str) -> Object:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def group(name: str) -> Object:
    return {"kind": "Group", "apiGroup": RBAC, "name": name}


def sa(name: str, namespace: str | None = None) -> Object:
    subject: Object = {"kind": "ServiceAccount", "name": name}
    return {**subject, "namespace": namespace} if namespace else subject


def decide(
    attributes: Attributes,
    cluster_roles: Sequence[Object] = (),
    roles: Sequence[Object] = (),
    cluster_role_bindings: Sequence[Object] = (),
    role_bindings: Sequence[Object] = (),
) -> Decision:
    return authorize(attributes, cluster_roles, roles, cluster_role_bindings, role_bindings)


def alice(verb: str = "get", resource: str = "configmaps", **fields: str) -> Attributes:
    fields.setdefault("namespace", "a")
    return Attributes("alice", (AUTHENTICATED,), verb, resource=resource, **fields)


def granted(rules: list[Object], attributes: Attributes) -> bool:
    """Whether rules in a ClusterRole bound to alice everywhere allow the request."""
    bound = binding("b", "ClusterRole", "r", [user("alice")])
    return decide(attributes, [role("r", rules)], [], [bound]).allowed


# Rule matching


def test_nothing_is_allowed_without_bindings() -> None:
    decision = decide(alice(), [role("r", [rule(["*"], ["*"], ["*"])])])
    assert decision == Decision(False, decision.reason)
    assert decision.reason


@pytest.mark.parametrize(
    ("verbs", "allowed"), [(["get"], True), (["*"], True), (["list", "watch"], False), ([], False)]
)
def test_verbs_match_by_name_or_star(verbs: list[str], allowed: bool) -> None:
    assert granted([rule(verbs, [""], ["configmaps"])], alice("get")) is allowed


@pytest.mark.parametrize(
    ("groups", "allowed"), [([IMAGE], True), (["*"], True), ([""], False), ([], False)]
)
def test_api_groups_match_by_name_or_star(groups: list[str], allowed: bool) -> None:
    attributes = alice("get", "imagestreams", api_group=IMAGE)
    assert granted([rule(["get"], groups, ["imagestreams"])], attributes) is allowed


def test_the_core_group_is_the_empty_string() -> None:
    assert granted([rule(["get"], [""], ["configmaps"])], alice())
    assert not granted([rule(["get"], [""], ["configmaps"])], alice(api_group=IMAGE))


@pytest.mark.parametrize(
    ("resources", "allowed"),
    [
        (["imagestreams/layers"], True),
        (["*/layers"], True),
        (["*"], True),
        (["imagestreams"], False),  # a resource does not grant its subresources
        (["imagestreams/status"], False),
        (["*/status"], False),
    ],
)
def test_subresources_match_as_resource_slash_subresource(
    resources: list[str], allowed: bool
) -> None:
    attributes = alice("get", "imagestreams", api_group=IMAGE, subresource="layers")
    assert granted([rule(["get"], [IMAGE], resources)], attributes) is allowed


def test_a_subresource_rule_does_not_grant_the_resource() -> None:
    rules = [rule(["get"], [IMAGE], ["imagestreams/layers"])]
    assert not granted(rules, alice("get", "imagestreams", api_group=IMAGE))


def test_resource_names_restrict_a_rule_to_those_objects() -> None:
    rules = [rule(["get", "list"], [""], ["configmaps"], resourceNames=["one"])]
    assert granted(rules, alice(name="one"))
    assert not granted(rules, alice(name="two"))
    assert not granted(rules, alice("list"))  # a list names no object


def test_non_resource_urls_match_exactly_or_by_prefix() -> None:
    rules: list[Object] = [{"nonResourceURLs": ["/healthz", "/apis/*"], "verbs": ["get"]}]
    assert granted(rules, Attributes("alice", verb="get", path="/healthz"))
    assert granted(rules, Attributes("alice", verb="get", path="/apis/image.openshift.io"))
    assert not granted(rules, Attributes("alice", verb="get", path="/metrics"))
    assert not granted(rules, Attributes("alice", verb="post", path="/healthz"))


def test_resource_rules_do_not_grant_urls_nor_url_rules_resources() -> None:
    assert not granted([rule(["*"], ["*"], ["*"])], Attributes("alice", path="/healthz"))
    assert not granted([{"nonResourceURLs": ["*"], "verbs": ["*"]}], alice())


# Bindings


def test_a_cluster_role_binding_grants_in_every_namespace_and_cluster_wide() -> None:
    roles = [role("reader", [rule(["get", "list"], [""], ["configmaps", "namespaces"])])]
    bindings = [binding("b", "ClusterRole", "reader", [user("alice")])]
    for namespace in ("a", "b"):
        assert decide(alice(namespace=namespace), roles, [], bindings).allowed
    cluster_wide = Attributes("alice", verb="list", resource="namespaces")
    decision = decide(cluster_wide, roles, [], bindings)
    assert decision.allowed
    assert '"b"' in decision.reason and '"reader"' in decision.reason


def test_a_role_binding_to_a_cluster_role_grants_only_in_its_namespace() -> None:
    roles = [role("reader", [rule(["get", "list"], [""], ["configmaps"])])]
    bindings = [binding("b", "ClusterRole", "reader", [user("alice")], namespace="a")]
    assert decide(alice(namespace="a"), roles, [], [], bindings).allowed
    assert not decide(alice(namespace="b"), roles, [], [], bindings).allowed
    assert not decide(alice("list", namespace=""), roles, [], [], bindings).allowed


def test_a_role_binding_to_a_role_uses_the_role_of_its_own_namespace() -> None:
    roles = [
        role("reader", [rule(["get"], [""], ["configmaps"])], namespace="a"),
        role("writer", [rule(["*"], [""], ["configmaps"])], namespace="b"),
    ]
    bindings = [
        binding("reads", "Role", "reader", [user("alice")], namespace="a"),
        # names a Role of another namespace: grants nothing
        binding("writes", "Role", "writer", [user("alice")], namespace="a"),
    ]
    assert decide(alice("get"), [], roles, [], bindings).allowed
    assert not decide(alice("update"), [], roles, [], bindings).allowed


def test_a_binding_to_a_missing_role_grants_nothing() -> None:
    bindings = [binding("b", "ClusterRole", "gone", [user("alice")], namespace="a")]
    assert not decide(
        alice(), [], [], [binding("c", "ClusterRole", "gone", [user("alice")])]
    ).allowed
    assert not decide(alice(), [], [], [], bindings).allowed


def test_a_cluster_role_binding_cannot_grant_a_role() -> None:
    roles = [role("reader", [rule(["get"], [""], ["configmaps"])], namespace="a")]
    bindings = [binding("b", "Role", "reader", [user("alice")])]
    assert not decide(alice(), [], roles, bindings).allowed


def test_rules_of_several_bindings_add_up() -> None:
    cluster_roles = [
        role("getter", [rule(["get"], [""], ["configmaps"])]),
        role("lister", [rule(["list"], [""], ["configmaps"])]),
    ]
    bindings = [
        binding("g", "ClusterRole", "getter", [user("alice")], namespace="a"),
        binding("l", "ClusterRole", "lister", [user("alice")], namespace="a"),
    ]
    for verb in ("get", "list"):
        assert decide(alice(verb), cluster_roles, [], [], bindings).allowed
    assert not decide(alice("delete"), cluster_roles, [], [], bindings).allowed


# Subjects


READER = [role("reader", [rule(["get"], [""], ["configmaps"])])]


def allowed_in_a(subject: Object, user_name: str, groups: tuple[str, ...] = ()) -> bool:
    bindings = [binding("b", "ClusterRole", "reader", [subject], namespace="a")]
    attributes = Attributes(user_name, groups, "get", resource="configmaps", namespace="a")
    return decide(attributes, READER, [], [], bindings).allowed


def test_a_user_subject_matches_that_user_name_only() -> None:
    assert allowed_in_a(user("alice"), "alice")
    assert not allowed_in_a(user("alice"), "bob")
    assert not allowed_in_a(user("alice"), "bob", ("alice",))


def test_a_group_subject_matches_members_of_that_group() -> None:
    assert allowed_in_a(group("devs"), "bob", ("devs", AUTHENTICATED))
    assert not allowed_in_a(group("devs"), "devs", (AUTHENTICATED,))


def test_granting_system_authenticated_reaches_every_logged_in_user_only() -> None:
    assert allowed_in_a(group(AUTHENTICATED), "anyone", (AUTHENTICATED,))
    assert not allowed_in_a(group(AUTHENTICATED), ANONYMOUS, (UNAUTHENTICATED,))


def test_granting_system_unauthenticated_reaches_anonymous_callers() -> None:
    assert allowed_in_a(group(UNAUTHENTICATED), ANONYMOUS, (UNAUTHENTICATED,))
    assert not allowed_in_a(group(UNAUTHENTICATED), "alice", (AUTHENTICATED,))


def test_a_service_account_subject_matches_its_token_identity() -> None:
    name, groups = account_identity("a", "builder")
    assert name == "system:serviceaccount:a:builder"
    assert set(groups) == {"system:serviceaccounts", "system:serviceaccounts:a", AUTHENTICATED}
    assert allowed_in_a(sa("builder", "a"), name, groups)
    assert not allowed_in_a(sa("deployer", "a"), name, groups)
    assert not allowed_in_a(sa("builder", "b"), *account_identity("a", "deployer"))
    assert not allowed_in_a(user("builder"), name, groups)


def test_a_service_account_subject_without_namespace_is_of_the_bindings_namespace() -> None:
    assert allowed_in_a(sa("builder"), *account_identity("a", "builder"))
    assert not allowed_in_a(sa("builder"), *account_identity("b", "builder"))


def test_a_service_account_of_another_project_can_be_granted() -> None:
    assert allowed_in_a(sa("builder", "b"), *account_identity("b", "builder"))


def test_service_account_groups_grant_to_all_of_a_projects_accounts() -> None:
    every_in_a = group("system:serviceaccounts:a")
    assert allowed_in_a(every_in_a, *account_identity("a", "default"))
    assert not allowed_in_a(every_in_a, *account_identity("b", "default"))
    assert allowed_in_a(group("system:serviceaccounts"), *account_identity("b", "default"))


def test_a_cluster_role_binding_to_a_service_account_grants_everywhere() -> None:
    name, groups = account_identity("a", "robot")
    bindings = [binding("b", "ClusterRole", "reader", [sa("robot", "a")])]
    attributes = Attributes(name, groups, "get", resource="configmaps", namespace="z")
    assert decide(attributes, READER, [], bindings).allowed


def test_the_namespaces_allowing_a_request_are_those_whose_bindings_grant_it() -> None:
    puller = role("puller", [rule(["get"], [IMAGE], ["imagestreams/layers"])])
    viewer = role("viewer", [rule(["get"], [""], ["pods"])])
    bindings = [
        binding("alice-pulls", "ClusterRole", "puller", [user("alice")], "mine"),
        binding("devs-pull", "ClusterRole", "puller", [group("devs")], "team"),
        binding("alice-views", "ClusterRole", "viewer", [user("alice")], "looks"),
        binding("builder-pulls", "ClusterRole", "puller", [sa("builder")], "ci"),
        binding("bob-pulls", "ClusterRole", "puller", [user("bob")], "bobs"),
    ]
    policy = Policy([puller, viewer], [], [], bindings)
    pulls = Attributes("alice", ("devs",), "get", IMAGE, "imagestreams", "layers")
    assert policy.namespaces_allowing(pulls) == {"mine", "team"}
    builder, groups = account_identity("ci", "builder")
    assert policy.namespaces_allowing(replace(pulls, user=builder, groups=groups)) == {"ci"}
    assert policy.namespaces_allowing(replace(pulls, user="carol", groups=())) == set()
    everywhere = binding("all-pull", "ClusterRole", "puller", [user("carol")])
    policy = Policy([puller, viewer], [], [everywhere], bindings)
    assert policy.namespaces_allowing(replace(pulls, user="carol", groups=())) is None
