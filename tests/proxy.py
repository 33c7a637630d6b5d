"""A sign-in proxy for browser tests, as oauth2-proxy stands in front of the app: it forwards HTTP and the
WebSocket to the served app and OVERWRITES the identity header with the user it has signed in (a browser's
own copy of the header never passes). One proxy serves one signed-in user.

Why a real proxy: Chromium does not send Playwright's extra HTTP headers on the WebSocket handshake, and
Streamlit reads st.context.headers from that handshake; a proxy is also exactly the deployment the app trusts.

    with signed_in_proxy(app_base, "X-Forwarded-Email", "ann@example.com") as base: page.goto(base)
"""
from __future__ import annotations

import asyncio
import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn
import websockets

from tests.browser import free_port

HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
       "transfer-encoding", "upgrade", "host", "content-length", "content-encoding", "accept-encoding"}


class _Proxy:
    def __init__(self, upstream: str, identity: dict[str, str]):
        self.upstream, self.identity = upstream.rstrip("/"), {k.lower(): v for k, v in identity.items()}

    def _headers(self, scope) -> list[tuple[str, str]]:
        out = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
               if k.decode("latin-1").lower() not in HOP | set(self.identity)
               and not k.lower().startswith(b"sec-websocket")]
        return out + list(self.identity.items())

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)

    async def _http(self, scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        url = self.upstream + scope["raw_path"].decode() + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        async with httpx.AsyncClient(timeout=120) as client:
            reply = await client.request(scope["method"], url, headers=self._headers(scope), content=body)
        headers = [(k.encode(), v.encode()) for k, v in reply.headers.multi_items() if k.lower() not in HOP]
        await send({"type": "http.response.start", "status": reply.status_code,
                    "headers": headers + [(b"content-length", str(len(reply.content)).encode())]})
        await send({"type": "http.response.body", "body": reply.content})

    async def _websocket(self, scope, receive, send):
        await receive()                                         # websocket.connect
        offered = [p for p in scope.get("subprotocols", [])]
        url = "ws" + self.upstream[4:] + scope["raw_path"].decode()
        try:
            upstream = await websockets.connect(url, subprotocols=offered or None, max_size=None,
                                                additional_headers=self._headers(scope))
        except Exception:       # noqa: BLE001 - refused upstream: refuse the browser too
            await send({"type": "websocket.close", "code": 1011})
            return
        await send({"type": "websocket.accept", "subprotocol": upstream.subprotocol})

        async def browser_to_app():
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    await upstream.close()
                    return
                await upstream.send(message.get("bytes") if message.get("bytes") is not None else message.get("text"))

        async def app_to_browser():
            try:
                async for data in upstream:
                    key = "bytes" if isinstance(data, bytes) else "text"
                    await send({"type": "websocket.send", key: data})
            finally:
                try:
                    await send({"type": "websocket.close", "code": 1000})
                except Exception:   # noqa: BLE001 - the browser left first
                    pass

        tasks = [asyncio.create_task(browser_to_app()), asyncio.create_task(app_to_browser())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()


@contextmanager
def signed_in_proxy(upstream: str, header: str, email: str, groups: tuple[str, str] | None = None):
    """Serve the proxy on a free loopback port for `email` (and `groups`: (header, "a,b")); yield its base URL."""
    port = free_port()
    identity = {header: email, **({groups[0]: groups[1]} if groups else {})}
    server = uvicorn.Server(uvicorn.Config(_Proxy(upstream, identity), host="127.0.0.1", port=port,
                                           log_level="warning", ws="websockets-sansio", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test proxy did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
