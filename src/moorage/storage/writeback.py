"""Starting disk writeback while an upload is still arriving.

Linux keeps written pages dirty until memory pressure or a 30 s timer, so an
upload's closing fsync would write the whole blob at once, after the last
byte arrived. `sync_file_range(SYNC_FILE_RANGE_WRITE)` queues each written
range for writeback without waiting for it, so the disk works while the
network does and the fsync that commits the blob finds little left to do.
Elsewhere than Linux this does nothing and the fsync does it all.
"""

import ctypes
from collections.abc import Callable

_SYNC_FILE_RANGE_WRITE = 2


def _load() -> Callable[[int, int, int, int], int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_sync_file_range = _load()


def start_writeback(fd: int, offset: int, length: int) -> None:
    if _sync_file_range is not None:
        _sync_file_range(fd, offset, length, _SYNC_FILE_RANGE_WRITE)
