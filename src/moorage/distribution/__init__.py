"""The OCI Distribution API v2 over HTTP: thin handlers over `registry/`."""
