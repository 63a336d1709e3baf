"""GET /api/health: the process is up, the database answers and, when configured, Redis answers."""

from __future__ import annotations

import os

import redis
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from portal_app.db import engine


async def health(_request: Request) -> JSONResponse:
    """200 {"status": "ok", ...} when every dependency answers, else 503 naming the one that did not."""
    checks = await run_in_threadpool(_checks)
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", **checks},
        status_code=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )


def _checks() -> dict[str, str]:
    checks = {"database": "ok" if _database_answers() else "unavailable"}
    redis_url = os.environ.get("REFLEX_REDIS_URL")
    if redis_url:
        checks["redis"] = "ok" if _redis_answers(redis_url) else "unavailable"
    return checks


def _database_answers() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False
