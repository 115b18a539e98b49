#!/usr/bin/env python3
"""Drives Hive's MCP servers with the reference Python MCP client (`pip install mcp`).

1. `hive serve` on a fresh data directory (admin token from HIVE_ADMIN_TOKEN), then its /mcp over
   Streamable HTTP: 401 without the token; with it, initialize, tools/list (the 10 hub tools),
   omega_init, omega_register_viewer, omega_stats, ledger_verify with progress, a bad argument.
2. `hive mcp twin --store DIR` over stdio: initialize, tools/list (the 12 twin tools), a call
   before viewer_init, then every twin tool once, viewer_sync against the hub of step 1 with
   progress, an unknown tool and a mistyped argument.
3. `hive mcp hub --hub URL` (the stdio-to-/mcp bridge) and `hive mcp hub --data DIR` over stdio:
   tools/list and omega_init, omega_stats through each.

Exits non-zero naming the first check that failed.

    python3 -m venv .build/mcp-venv && .build/mcp-venv/bin/pip install -r scripts/mcp/requirements.txt
    .build/mcp-venv/bin/python scripts/mcp_client_check.py --hive .build/debug/hive
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import anyio
import httpx2
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

TWIN_TOOLS = [
    "viewer_init", "viewer_track_behavior", "viewer_get_recommendations", "viewer_sync", "viewer_stats",
    "viewer_export_patterns", "reflexion_store", "reflexion_retrieve", "skill_create", "skill_search",
    "pattern_store", "pattern_search",
]
HUB_TOOLS = [
    "omega_init", "omega_register_viewer", "omega_aggregate", "omega_distribute", "omega_stats", "omega_consensus",
    "omega_prune", "skill_publish", "skill_search", "ledger_verify",
]
ADMIN_TOKEN = "mcp-client-check-admin-token-0123456789abcdef"
CATALOG = [
    {"id": "m1", "title": "Alien", "genres": ["Sci-Fi", "Horror"], "popularity": 50},
    {"id": "m2", "title": "Blade Runner", "genres": ["Sci-Fi"], "popularity": 40},
    {"id": "m3", "title": "Arrival", "genres": ["Sci-Fi", "Drama"], "popularity": 35},
    {"id": "m4", "title": "Heat", "genres": ["Crime"], "popularity": 30},
]


def check(condition, what):
    if not condition:
        raise SystemExit(f"mcp_client_check: FAILED: {what}")
    print(f"  ok  {what}")


def text_of(result):
    return "".join(getattr(item, "text", "") for item in result.content)


async def ok(session, name, arguments=None, progress=None):
    result = await session.call_tool(name, arguments or {}, progress_callback=progress)
    check(not result.is_error, f"{name} succeeds ({text_of(result)[:160]})")
    structured = result.structured_content
    check(isinstance(structured, dict), f"{name} returns structured content")
    check(json.loads(text_of(result)) == structured, f"{name} text content is the same JSON")
    return structured


async def fails(session, name, arguments, expected):
    result = await session.call_tool(name, arguments)
    text = text_of(result)
    check(result.is_error and expected in text and text.startswith(name + ":"), f"{name} error names the problem: {text[:160]}")


class Progress:
    def __init__(self):
        self.values = []

    async def __call__(self, progress, total, message):
        self.values.append(progress)

    async def wait(self, count, seconds=5.0):
        """Over stdio notifications travel apart from the answer and may trail it; over HTTP they precede it."""
        deadline = time.monotonic() + seconds
        while len(self.values) < count and time.monotonic() < deadline:
            await anyio.sleep(0.02)
        return self.values


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_hub(hive, data, port):
    env = dict(os.environ, HIVE_ADMIN_TOKEN=ADMIN_TOKEN)
    process = subprocess.Popen(
        [hive, "serve", "--data", data, "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        if process.poll() is not None:
            raise SystemExit(f"hive serve exited: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.1)
    process.kill()
    raise SystemExit("hive serve did not become ready in 60 s")


def unauthorized_status(url):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "check", "version": "1"}}}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream"})
    try:
        urllib.request.urlopen(request, timeout=10)
        return 200
    except urllib.error.HTTPError as error:
        return error.code


async def check_hub_http(url):
    print(f"hub /mcp over Streamable HTTP ({url})")
    check(unauthorized_status(url) == 401, "POST /mcp without the admin token is 401")
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                info = await session.initialize()
                check(info.server_info.name == "hive-hub", "initialize answers hive-hub")
                tools = await session.list_tools()
                check([tool.name for tool in tools.tools] == HUB_TOOLS, "tools/list lists the 10 hub tools")
                await fails(session, "omega_stats", {}, "call omega_init first")
                attached = await ok(session, "omega_init")
                check(attached["attachment"] == "running", "omega_init attaches to the running hub")
                stats = await ok(session, "omega_stats")
                check(stats["counts"]["twinsTotal"] == 0, "omega_stats counts no twins yet")
                progress = Progress()
                verified = await ok(session, "ledger_verify", progress=progress)
                check(verified["ok"] is True, "ledger_verify verifies the ledger")
                values = await progress.wait(2)
                check(len(values) >= 2, f"ledger_verify sent progress notifications ({values})")
                await fails(session, "omega_prune", {"minQuality": "high"}, "minQuality must be a number")


async def check_twin_stdio(hive, store, hub_url):
    print(f"hive mcp twin --store {store} over stdio")
    parameters = StdioServerParameters(command=hive, args=["mcp", "twin", "--store", store])
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            info = await session.initialize()
            check(info.server_info.name == "hive-twin", "initialize answers hive-twin")
            tools = await session.list_tools()
            check([tool.name for tool in tools.tools] == TWIN_TOOLS, "tools/list lists the 12 twin tools")
            check(all(tool.input_schema.get("type") == "object" for tool in tools.tools), "every tool has an object input schema")
            await fails(session, "viewer_stats", {}, "call viewer_init with a viewerId first")
            opened = await ok(session, "viewer_init", {"viewerId": "pyuser", "config": {
                "embedder": "hashing", "hubEndpoint": hub_url, "catalog": CATALOG}})
            check(opened["catalogImported"] == 4, "viewer_init imports the catalogue")
            for media in ["m1", "m2", "m3"]:
                await ok(session, "viewer_track_behavior", {"action": "rate", "mediaId": media, "metadata": {"rating": 5}})
            await ok(session, "viewer_track_behavior", {"action": "view", "mediaId": "m4", "metadata": {"duration": 60}})
            await ok(session, "viewer_track_behavior", {"action": "skip", "mediaId": "m4", "metadata": {"skipTime": 61}})
            await ok(session, "viewer_track_behavior", {"action": "search", "metadata": {"query": "space"}})
            recommended = await ok(session, "viewer_get_recommendations", {"k": 1, "filters": {"excludeSeen": False}})
            check(len(recommended["recommendations"]) == 1, "viewer_get_recommendations returns k items")
            progress = Progress()
            synced = await ok(session, "viewer_sync", {"force": True}, progress=progress)
            check(synced["report"]["accepted"] >= 1, "viewer_sync pushes the learned pattern to the hub")
            values = await progress.wait(4)
            check(values[-1:] == [3], f"viewer_sync sent progress notifications ({values})")
            stats = await ok(session, "viewer_stats")
            check(stats["events"] == 6, "viewer_stats counts the tracked events")
            exported = await ok(session, "viewer_export_patterns", {"minQuality": 0.5})
            check(len(exported["patterns"]) >= 1, "viewer_export_patterns exports the learned preference")
            await ok(session, "reflexion_store", {"task": "choose", "input": "i", "output": "o", "reward": 1, "success": True})
            episodes = await ok(session, "reflexion_retrieve", {"task": "choose", "k": 1})
            check(episodes["matches"][0]["episode"]["task"] == "choose", "reflexion_retrieve finds the episode")
            await ok(session, "skill_create", {"name": "choose", "description": "pick a film"})
            skills = await ok(session, "skill_search", {"query": "pick a film"})
            check(skills["matches"][0]["skill"]["name"] == "choose", "skill_search finds the skill")
            await ok(session, "pattern_store", {"approach": "Night comedies", "taskType": "behavior"})
            patterns = await ok(session, "pattern_search", {"query": "night comedies", "k": 1})
            check(patterns["matches"][0]["pattern"]["approach"] == "Night comedies", "pattern_search finds the pattern")
            await fails(session, "viewer_get_recommendations", {"k": "five"}, "k must be an integer")
            await fails(session, "viewer_track_behavior", {"action": "rate", "mediaId": "m1"}, "metadata.rating is required")
            try:
                result = await session.call_tool("viewer_fly", {})
                check(result.is_error and "viewer_fly" in text_of(result), "an unknown tool is an error naming it")
            except Exception as error:  # the protocol error the MCP specification prescribes
                check("viewer_fly" in str(error), f"an unknown tool is an error naming it: {error}")


async def check_hub_stdio(hive, arguments, label, env=None):
    print(f"hive mcp hub {label} over stdio")
    parameters = StdioServerParameters(command=hive, args=["mcp", "hub", *arguments], env=env)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            check([tool.name for tool in tools.tools] == HUB_TOOLS, f"{label}: tools/list lists the 10 hub tools")
            await ok(session, "omega_init")
            stats = await ok(session, "omega_stats")
            return stats


async def check_bridge_refused(hive, base):
    print("hive mcp hub --hub URL with a wrong admin token")
    env = dict(get_env(), HIVE_ADMIN_TOKEN="wrong-token-" + "0" * 32)
    parameters = StdioServerParameters(command=hive, args=["mcp", "hub", "--hub", base], env=env)
    async with stdio_client(parameters) as (read, write):
        async with ClientSession(read, write) as session:
            try:
                await session.initialize()
                check(False, "initialize through the relay with a wrong token fails")
            except Exception as error:
                check("401" in str(error), f"the relay answers with the hub's 401: {str(error)[:160]}")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hive", default=".build/debug/hive")
    options = parser.parse_args()
    hive = os.path.abspath(options.hive)
    with tempfile.TemporaryDirectory(prefix="hive-mcp-check-") as root:
        port = free_port()
        hub = start_hub(hive, os.path.join(root, "hub"), port)
        try:
            base = f"http://127.0.0.1:{port}"
            await check_hub_http(base + "/mcp")
            await check_twin_stdio(hive, os.path.join(root, "twin"), base)
            env = dict(get_env(), HIVE_ADMIN_TOKEN=ADMIN_TOKEN)
            bridged = await check_hub_stdio(hive, ["--hub", base], "--hub URL", env=env)
            check(bridged["counts"]["twinsTotal"] == 1, "--hub URL sees the twin that synced")
            await check_bridge_refused(hive, base)
            local = await check_hub_stdio(hive, ["--data", os.path.join(root, "hub2")], "--data DIR")
            check(local["counts"]["twinsTotal"] == 0, "--data DIR opens a fresh hub")
        finally:
            hub.terminate()
            hub.wait(timeout=30)
    print("mcp_client_check: all checks passed")


def get_env():
    return {key: value for key, value in os.environ.items()}


if __name__ == "__main__":
    anyio.run(main)
