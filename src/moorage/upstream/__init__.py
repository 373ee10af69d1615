"""Other registries, as a client: references to their images, the credentials and trust to
reach them, and the Registry v2 reads an import needs (manifests, tags, blobs).

Nothing here knows the API's objects beyond what callers hand in: secrets' data, the trusted
CA bundles, the proxy settings. Every read is bounded.
"""
