"""One port in front of several servers, as nginx stands in front of compose's replicas.

Each new connection goes to the next upstream in turn; one that refuses the connection is
skipped for the next (nginx's `proxy_next_upstream error`). Bytes are piped both ways.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter


class RoundRobinProxy:
    def __init__(self, upstreams: list[tuple[str, int]]) -> None:
        self.upstreams = upstreams
        self.connections: Counter[tuple[str, int]] = Counter()
        self._turn = itertools.cycle(range(len(upstreams)))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="proxy",
                                        daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    def start(self) -> RoundRobinProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, client_in: asyncio.StreamReader,
                      client_out: asyncio.StreamWriter) -> None:
        for _ in self.upstreams:
            upstream = self.upstreams[next(self._turn)]
            try:
                server_in, server_out = await asyncio.open_connection(*upstream)
            except OSError:
                continue
            self.connections[upstream] += 1
            await asyncio.gather(_pipe(client_in, server_out), _pipe(server_in, client_out))
            return
        client_out.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        sink.close()
