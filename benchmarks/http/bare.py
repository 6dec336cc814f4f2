"""The framework's ceiling: a bare Flask endpoint under the service's own gunicorn settings.

It reads the JSON body and answers a JSON object of about a decision's size, and does
nothing else: no rules, no model, no database.

    python benchmarks/http/bare.py PORT WORKERS THREADS [reuse-port]
"""

from __future__ import annotations

import sys

from flask import Flask, jsonify, request
from gunicorn.app.base import BaseApplication

from moderation.serve import configure_logging, gunicorn_options

app = Flask(__name__)


@app.post("/v1/comments")
@app.post("/v1/check")
def decide():
    body = request.get_json()
    return jsonify(comment_id=body.get("comment_id"), decision="accept", reasons=[],
                   scores={"abuse": 0.01, "personal_attack": 0.01, "identity_hate": 0.01, "threat": 0.0},
                   model=None, policy_version="bare", suggestions=[])


class Bare(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        configure_logging()
        return app


if __name__ == "__main__":
    port, workers, threads = (int(arg) for arg in sys.argv[1:4])
    Bare(gunicorn_options("127.0.0.1", port, workers, threads, reuse_port="reuse-port" in sys.argv[4:])).run()
