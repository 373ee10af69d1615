"""Moorage: a self-hosted container image registry modelled on the OpenShift registry."""

__version__ = "0.1.0"
