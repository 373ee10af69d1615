"""Kubernetes manifests that run the registry on a cluster: `moorage adm render-manifests`."""
