"""spec.storage.s3.cloudFront as the replicas will use it: the distribution, its key pair, and
the private key from the Secret privateKey names, in openshift-image-registry (where
OpenShift's operator reads it to mount it into the registry's pods)."""

import base64

from moorage.operator.durations import seconds
from moorage.operator.first_start import NAMESPACE
from moorage.resources.objects import Object
from moorage.storage.cloudfront import DEFAULT_DURATION, CloudFront, NotAnRsaKey, load_private_key
from moorage.store.resources import Ref


def private_key_ref(s3: Object) -> Ref | None:
    """The Secret cloudFront.privateKey names, if cloudFront is set."""
    selector = (s3.get("cloudFront") or {}).get("privateKey")
    return Ref("", "secrets", NAMESPACE, selector["name"]) if selector else None


def cloud_front(s3: Object, secret: Object | None) -> tuple[CloudFront | None, str | None]:
    """The CloudFront distribution spec.storage.s3.cloudFront (validated) names, with the
    private key from `secret` (the one private_key_ref names), or what is wrong with that
    Secret; (None, None) without cloudFront."""
    spec = s3.get("cloudFront")
    if not spec:
        return None, None
    name, key = spec["privateKey"]["name"], spec["privateKey"]["key"]
    where = f'cloudFront.privateKey: the key "{key}" of secret "{name}" in {NAMESPACE}'
    fix = f"moorage create secret generic {name} --from-file={key}=private.pem -n {NAMESPACE}"
    if secret is None:
        return None, f'cloudFront.privateKey: secret "{name}" not found in {NAMESPACE}: {fix}'
    encoded = (secret.get("data") or {}).get(key)
    if encoded is None:
        return None, f"{where} is missing: {fix}"
    try:
        pem = base64.b64decode(encoded).decode()
        load_private_key(pem)
    except NotAnRsaKey as exc:
        return None, f"{where}: {exc}"
    except ValueError:
        return None, f"{where} is not base64 text"
    duration = seconds(spec["duration"]) if spec.get("duration") else DEFAULT_DURATION
    return CloudFront(spec["baseURL"], spec["keypairID"], pem, duration), None
