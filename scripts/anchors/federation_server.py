#!/usr/bin/env python3
"""Anchor for `hive bench federation` / `hive loadtest --target fastapi`: the FastAPI federation
server exactly as the Hive federation design (seeds/004 §3) describes it.

POST /skills  {"federation_trace_v1": {...}} -> checks the required fields, 409 on a known
              trace_id, stores the trace in memory, indexes it by instance_id.
GET  /skills  ?intent=... -> every stored trace whose intent is similar enough (> 0.7), or all.
GET  /instances -> the instance ids that published.

The design leaves `_calculate_semantic_similarity` undefined; this uses the Jaccard similarity
of the lower-cased word sets (cheap, deterministic, no model). No authentication and no
signature verification: the design's server has neither. State is in memory only.

Run: python3 scripts/anchors/federation_server.py --port 8500   (uvicorn, one worker)
"""
import argparse

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class TraceSubmission(BaseModel):
    federation_trace_v1: dict


class FederationServer:
    REQUIRED_FIELDS = (
        "trace_id", "intent", "reasoning_path", "result", "confidence", "verification_score",
        "instance_id", "signature",
    )

    def __init__(self):
        self.app = FastAPI()
        self.skill_registry = {}
        self.instance_registry = {}
        self._setup_routes()

    def _setup_routes(self):
        # 201 as the design's SkillExchange.publish_skill expects (`response.status_code == 201`).
        @self.app.post("/skills", status_code=201)
        async def submit_skill(submission: TraceSubmission):
            trace = submission.federation_trace_v1
            if not self._validate_submission(trace):
                raise HTTPException(status_code=400, detail="Invalid trace")
            if trace["trace_id"] in self.skill_registry:
                raise HTTPException(status_code=409, detail="Trace already exists")
            self.skill_registry[trace["trace_id"]] = trace
            instance_id = trace["instance_id"]
            if instance_id not in self.instance_registry:
                self.instance_registry[instance_id] = []
            self.instance_registry[instance_id].append(trace["trace_id"])
            return {"status": "accepted", "trace_id": trace["trace_id"]}

        @self.app.get("/skills")
        async def list_skills(intent: str = None):
            if intent:
                skills = [
                    trace for trace in self.skill_registry.values()
                    if self._intent_matches(trace["intent"], intent)
                ]
            else:
                skills = list(self.skill_registry.values())
            return {"skills": skills, "count": len(skills)}

        @self.app.get("/instances")
        async def list_instances():
            return {"instances": list(self.instance_registry.keys()), "count": len(self.instance_registry)}

        @self.app.get("/healthz")
        async def healthz():
            return {"status": "ok"}

    def _validate_submission(self, trace):
        return all(field in trace for field in self.REQUIRED_FIELDS)

    def _intent_matches(self, trace_intent, query_intent, threshold=0.7):
        return self._calculate_semantic_similarity(trace_intent, query_intent) > threshold

    @staticmethod
    def _calculate_semantic_similarity(a, b):
        words_a, words_b = set(str(a).lower().split()), set(str(b).lower().split())
        if not words_a or not words_b:
            return 0.0
        return len(words_a & words_b) / len(words_a | words_b)


app = FederationServer().app


def main():
    import signal

    import uvicorn

    # A parent that spawns us from a thread with SIGTERM/SIGINT blocked (Swift's Foundation.Process
    # from a concurrency thread does) passes that mask on; unblock them so uvicorn's shutdown
    # handlers run and `terminate()` ends us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8500)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, workers=1)


if __name__ == "__main__":
    main()
