"""Out of space: how every layer that writes recognises it, and what users are told.

The filesystem says ENOSPC (or EDQUOT past a quota); the metadata store turns a
full database into the same OSError (see `store/database.py`), so the HTTP faces
need one test for both.
"""

import errno

FULL = frozenset({errno.ENOSPC, errno.EDQUOT})

MESSAGE = (
    "the registry's storage is full (no space left on its volume): "
    "nothing more can be written until space is freed; reads go on working"
)


def out_of_space(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL
