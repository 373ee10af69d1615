"""The control-plane API over HTTP, in Kubernetes conventions."""
