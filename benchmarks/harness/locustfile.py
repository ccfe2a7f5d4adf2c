"""The users of the load test (run by benchmarks/harness/run.py, which prepares HARNESS_DATA).

Each virtual user holds a signed-in session of every role. It takes the roles in turn, asks the role's floor page
and then each of its pages once (a request drawn at random from the page's prepared inputs), so
the floor is measured under the same load as the pages, interleaved with them. Any answer that is not 2xx is a
failure (redirects are not followed: a redirect to the login page is a failure, not the login page). Every
response time is kept and written to HARNESS_RAW when locust quits."""

import datetime
import itertools
import json
import os
import random
import time
from collections import Counter, defaultdict

from locust import TaskSet, constant, events
from locust.contrib.fasthttp import FastHttpUser

FLOOR = "floor"
DATA = json.loads(open(os.environ["HARNESS_DATA"]).read())
_numbers = itertools.count()
_times: dict[str, list[float]] = defaultdict(list)
_errors: dict[str, Counter] = defaultdict(Counter)
_clock: dict[str, float] = {}


def _fill(value):
    """The placeholders of a request body that must differ on every call."""
    if value == "$now":
        return datetime.datetime.now(datetime.UTC).isoformat()
    if value == "$phone":
        return f"9{random.randrange(10**8):08d}"
    if isinstance(value, dict):
        return {k: _fill(v) for k, v in value.items()}
    return value


class RolePages(TaskSet):
    """One pass over a role's pages: the floor first, then each page once in a new random order (so a run cut
    short does not always miss the same pages); subclassed once per role below."""

    role = ""

    def on_start(self):
        sessions = DATA["roles"][self.role]["sessions"]
        mine = sessions[self.user.number % len(sessions)]
        self.csrf = mine["csrf"]
        self.cookie = f"{DATA['session_cookie']}={mine['session']}; {DATA['csrf_cookie']}={mine['csrf']}"
        pages = self.tasks[1:]
        random.shuffle(pages)
        self.queue = [self.tasks[0], *pages]

    def get_next_task(self):
        return self.queue.pop(0) if self.queue else _done

    def ask(self, name: str, spec: dict) -> None:
        headers = {"Cookie": self.cookie}
        if spec["method"] != "GET":
            headers["X-CSRFToken"] = self.csrf
        with self.client.request(
            spec["method"],
            spec["url"],
            name=name,
            headers=headers,
            data=spec.get("data"),
            json=_fill(spec.get("json")),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if not 200 <= response.status_code < 300:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(
                    f"HTTP {response.status_code} {spec['method']} {spec['url']}"
                    + (f" → {where}" if where else "")
                )
            else:
                response.success()


def _floor(taskset):
    taskset.ask(FLOOR, {"method": "GET", "url": "/__floor__/"})


def _page(page: dict):
    def ask_page(taskset):
        taskset.ask(page["name"], random.choice(page["requests"]))

    return ask_page


def _done(taskset):
    taskset.interrupt(reschedule=False)


def _role_pages(role: str, spec: dict) -> type[RolePages]:
    tasks = [_floor, *(_page(page) for page in spec["pages"])]
    return type(f"RolePages[{role}]", (RolePages,), {"role": role, "tasks": tasks})


class Rounds(TaskSet):
    """The roles in turn (each user starts at a different one), so that a short run with one user still covers
    every role's pages as often as the others'."""

    tasks = [_role_pages(role, spec) for role, spec in DATA["roles"].items()]

    def get_next_task(self):
        task = self.tasks[(self.user.number + self.user.turn) % len(self.tasks)]
        self.user.turn += 1
        return task


class Visitor(FastHttpUser):
    """A user who works in every role, one role's round of pages at a time."""

    wait_time = constant(DATA["think"])
    tasks = [Rounds]

    def on_start(self):
        self.number = next(_numbers)
        self.turn = 0
        self.client.client.cookiejar = None  # each request carries its role's cookies itself


@events.request.add_listener
def _record(name, response_time, exception, **kwargs):
    _times[name].append(response_time)
    if exception is not None:
        _errors[name][str(exception)[:300]] += 1


@events.test_start.add_listener
def _started(**kwargs):
    _clock["start"] = time.monotonic()


@events.test_stop.add_listener
def _stopped(**kwargs):
    _clock["stop"] = time.monotonic()


@events.quitting.add_listener
def _write(**kwargs):
    seconds = _clock.get("stop", time.monotonic()) - _clock.get("start", time.monotonic())
    with open(os.environ["HARNESS_RAW"], "w") as f:
        json.dump({"seconds": seconds, "times": _times, "errors": _errors}, f, ensure_ascii=False)
