"""Running the web app in this process on a loopback port: for tests and benchmarks."""

from __future__ import annotations

import threading

import uvicorn


class _Server(uvicorn.Server):
    def __init__(self, config):
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets)
        self.ready.set()


class BackgroundServer:
    """uvicorn in a thread; `start()` returns the URL once it accepts connections."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
        self.server = _Server(config)
        self.thread = threading.Thread(target=self.server.run, name="studybot-web", daemon=True)

    def start(self, timeout: float = 60) -> str:
        self.thread.start()
        if not self.server.ready.wait(timeout) or not self.server.started:
            raise RuntimeError("the web server did not start")
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
