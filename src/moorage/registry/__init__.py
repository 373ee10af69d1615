"""The registry's domain core: blobs, uploads, manifests, tags, mounts, deletes."""
