"""Identity and access control: who a caller is and what RBAC lets them do."""
