"""An upload in progress on S3: its state object, and the writer that appends to it.

S3 keeps no growing objects and refuses multipart parts under 5 MiB (but the last), while
a client may PATCH a few KiB at a time and must find every acknowledged byte again, on any
replica. So an upload is:

- whole parts (`chunk_size` each, or what a PATCH ends with once it is 5 MiB or more) of
  one S3 multipart upload at `uploads/<key>/data`, created when the first part is ready;
- the bytes past the last whole part, as segment objects `uploads/<key>/segments/<offset>`
  (each PATCH writes only its own bytes); once parts' worth has arrived they are read back,
  sent as a part and deleted;
- `uploads/<key>/state`, JSON naming the multipart upload, its parts (number, ETag, size)
  and the segments. Writing it is the commit point of a PATCH: parts and segments it does
  not name are invisible, and are overwritten (same part number) or removed later.

Sealing completes the upload into the one object `uploads/<key>/data` so it can be read
(parts of an unfinished multipart upload cannot be); a sealed upload is only committed
or aborted after that.
"""

import contextlib
import json
from dataclasses import asdict, dataclass, field

from moorage.storage.s3_client import S3Calls

LEAST_PART = 5 << 20  # S3 refuses a smaller part, but the last


@dataclass
class UploadState:
    size: int = 0
    multipart: str | None = None  # the S3 UploadId, once a whole part has been sent
    parts: list[tuple[int, str, int]] = field(default_factory=list)  # number, ETag, size
    segments: list[tuple[int, int]] = field(default_factory=list)  # offset, size
    sealed: bool = False

    @property
    def in_segments(self) -> int:
        return sum(size for _, size in self.segments)

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> "UploadState":
        fields = json.loads(data)
        return cls(
            size=fields["size"],
            multipart=fields["multipart"],
            parts=[tuple(part) for part in fields["parts"]],
            segments=[tuple(segment) for segment in fields["segments"]],
            sealed=fields["sealed"],
        )


class UploadKeys:
    """The object keys of one upload."""

    def __init__(self, prefix: str, key: str) -> None:
        self.prefix = f"{prefix}uploads/{key}/"
        self.state = self.prefix + "state"
        self.data = self.prefix + "data"

    def segment(self, offset: int) -> str:
        return f"{self.prefix}segments/{offset:016x}"


class Upload:
    """Reads and writes one upload's objects; the writer and the store both work through it."""

    def __init__(self, calls: S3Calls, keys: UploadKeys) -> None:
        self.calls = calls
        self.keys = keys

    async def load(self) -> UploadState:
        answer = await self.calls.call("get_object", Key=self.keys.state)
        return UploadState.decode(await self.calls.run(answer["Body"].read))

    async def save(self, state: UploadState) -> None:
        await self.calls.call("put_object", Key=self.keys.state, Body=state.encode())

    async def segment_bytes(self, state: UploadState) -> bytes:
        chunks = []
        for offset, _ in state.segments:
            answer = await self.calls.call("get_object", Key=self.keys.segment(offset))
            chunks.append(await self.calls.run(answer["Body"].read))
        return b"".join(chunks)

    async def send_part(self, state: UploadState, body: bytes) -> None:
        """Send `body` as the upload's next part and record it in `state` (not yet saved)."""
        if state.multipart is None:
            started = await self.calls.call("create_multipart_upload", Key=self.keys.data)
            state.multipart = started["UploadId"]
            await self.save(state)  # never lose track of a multipart upload we started
        number = len(state.parts) + 1
        answer = await self.calls.call(
            "upload_part",
            Key=self.keys.data,
            UploadId=state.multipart,
            PartNumber=number,
            Body=body,
        )
        state.parts.append((number, answer["ETag"], len(body)))

    async def seal(self, state: UploadState) -> None:
        """Make `uploads/<key>/data` hold every byte, and record that in the saved state."""
        if state.sealed:
            return
        tail = await self.segment_bytes(state)
        if state.multipart is None:
            await self.calls.call("put_object", Key=self.keys.data, Body=tail)
        else:
            if tail or not state.parts:
                await self.send_part(state, tail)
            parts = [{"PartNumber": number, "ETag": etag} for number, etag, _ in state.parts]
            await self.calls.call(
                "complete_multipart_upload",
                Key=self.keys.data,
                UploadId=state.multipart,
                MultipartUpload={"Parts": parts},
            )
        consumed = state.segments
        state.multipart, state.parts, state.segments, state.sealed = None, [], [], True
        await self.save(state)
        await self.delete_segments(consumed)

    async def delete_segments(self, segments: list[tuple[int, int]]) -> None:
        if segments:
            objects = [{"Key": self.keys.segment(offset)} for offset, _ in segments]
            await self.calls.call("delete_objects", Delete={"Objects": objects, "Quiet": True})

    async def remove(self) -> None:
        """Abort the multipart upload, if any, and delete every object of the upload."""
        try:
            state = await self.load()
        except FileNotFoundError:
            state = None
        if state is not None and state.multipart is not None:
            await self._abort_multipart(state.multipart)
        keys = [item["Key"] for item in await self.calls.listing(self.keys.prefix)]
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000
            objects = [{"Key": key} for key in keys[start : start + 1000]]
            await self.calls.call("delete_objects", Delete={"Objects": objects, "Quiet": True})

    async def _abort_multipart(self, upload_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # aborted by whoever removed it first
            await self.calls.call("abort_multipart_upload", Key=self.keys.data, UploadId=upload_id)


class S3UploadWriter:
    """Buffers appended bytes; `drain` sends whole parts, `close` saves the rest as a segment.

    At most one part and the bytes appended since the last drain are held in memory.
    """

    def __init__(self, upload: Upload, chunk_size: int) -> None:
        self._upload = upload
        self._chunk_size = chunk_size
        self._pending = bytearray()
        self._state: UploadState | None = None
        self._consumed: list[tuple[int, int]] = []  # segments sent in a part, to delete

    def append(self, chunk: bytes) -> None:
        self._pending += chunk

    async def drain(self) -> None:
        state = await self._loaded()
        while state.in_segments + len(self._pending) >= self._chunk_size:
            # Segments may already hold a part's worth when chunkSizeMiB shrank meanwhile.
            await self._send_part(state, max(0, self._chunk_size - state.in_segments))

    async def _send_part(self, state: UploadState, take: int) -> None:
        """Send the segments and the first `take` pending bytes as the next part."""
        body = await self._upload.segment_bytes(state) + bytes(self._pending[:take])
        await self._upload.send_part(state, body)
        del self._pending[:take]
        self._consumed += state.segments
        state.segments = []
        state.size += take

    async def close(self) -> None:
        await self.drain()
        state = await self._loaded()
        if state.in_segments + len(self._pending) >= LEAST_PART:
            # Enough for a part: sent as one now, not kept as a segment to be read back and
            # sent at the end (parts need not be of one size, only the least but the last).
            await self._send_part(state, len(self._pending))
        if self._pending:
            await self._upload.calls.call(
                "put_object", Key=self._upload.keys.segment(state.size), Body=bytes(self._pending)
            )
            state.segments.append((state.size, len(self._pending)))
            state.size += len(self._pending)
            self._pending.clear()
        await self._upload.save(state)
        await self._upload.delete_segments(self._consumed)
        self._consumed = []

    async def _loaded(self) -> UploadState:
        if self._state is None:
            self._state = await self._upload.load()
            if self._state.sealed:
                raise ValueError("a sealed upload takes no more bytes")
        return self._state
