"""The stream's reader task: opens the response and hands its body over a queue in pieces.

The engine's consumer takes the pieces through the heartbeat watchdog (`client/watchdog.py`),
so a silent connection times out without the consumer ever being cancelled, and a reconnect
can close the old response (cancel this task) before a new one opens.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from atp_tui.client.attempt import read_head_of_body
from atp_tui.client.http import aiter_body_pieces, body_encoding, is_event_stream

log = logging.getLogger(__name__)

#: Queued after the last piece of a body (the server ended the stream, or the reader was
#: cancelled).
END_OF_STREAM = object()
#: The reader waits (`drained`) once this many pieces are queued: memory stays bounded when
#: the consumer is slower than the socket.
QUEUE_HIGH_WATER = 32


class StreamChannel:
    """What one connection attempt's reader task and the engine share.

    `queue` carries the body's pieces (`bytes`), then `END_OF_STREAM` or the exception that
    ended the read; `opened` is settled with the response and, for one that is not an event
    stream, the head of its body; `headed` is set once the response headers are in;
    `drained` is set by the consumer when the queue is low again.
    """

    def __init__(self) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.opened: asyncio.Future[tuple[httpx.Response, bytes]] = (
            asyncio.get_running_loop().create_future()
        )
        self.drained = asyncio.Event()
        self.drained.set()
        self.headed = asyncio.Event()

    def taken(self) -> None:
        """The consumer took a piece: let a waiting reader go on once the queue is low."""
        if self.queue.qsize() < QUEUE_HIGH_WATER // 2:
            self.drained.set()

    async def read(
        self,
        client: httpx.AsyncClient,
        url: str,
        headers: dict[str, str | bytes],
        params: dict[str, str],
    ) -> None:
        """Reader task: open the response, then pass its body to the queue in bounded pieces.

        Whatever happens, `opened` is settled (or the task is cancelled): the engine waits on
        it.
        """
        queue, opened = self.queue, self.opened
        try:
            async with client.stream(
                "GET",
                url,
                headers=headers,  # type: ignore[arg-type]  # bytes values are sent as they are
                params=params,
            ) as response:
                self.headed.set()
                if response.status_code != 200 or not is_event_stream(
                    response.headers.get("content-type")
                ):
                    opened.set_result((response, await read_head_of_body(response)))
                    return
                body_encoding(response)  # refuse an encoding we cannot inflate in pieces
                opened.set_result((response, b""))
                # Bounded pieces, also when compressed: the queue's high-water mark then bounds
                # memory, and the SSE decoder's line and event caps see every byte (case 78).
                async for chunk in aiter_body_pieces(response):
                    queue.put_nowait(chunk)
                    if queue.qsize() >= QUEUE_HIGH_WATER:
                        self.drained.clear()
                        await self.drained.wait()
                queue.put_nowait(END_OF_STREAM)
        except Exception as error:
            # Not only httpx errors and OSErrors: httpx lets `InvalidURL` and `ExceptionGroup`
            # escape from some redirects, and an exception left here would leave `opened`
            # unsettled and the engine waiting, deaf even to stop() (case 77).
            if not isinstance(error, httpx.HTTPError | OSError):
                log.debug("stream reader failed unexpectedly", exc_info=error)
            if not opened.done():
                opened.set_exception(error)
            else:
                queue.put_nowait(error)
        except asyncio.CancelledError:
            if not opened.done():
                opened.cancel()
            queue.put_nowait(END_OF_STREAM)
            raise
