"""API group names, free of the schemas, for the processes that need a name but no validation."""

RBAC = "rbac.authorization.k8s.io"
USERS = "user.openshift.io"
OAUTH = "oauth.openshift.io"
