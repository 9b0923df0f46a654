"""A classroom on one server: N real browsers typing on Predict, with and without a training running.

Starts `streamlit run app.py` on 127.0.0.1 with fresh models and data folders, trains three
models through the app's own queue, then drives Debian's chromium (Playwright, one browser
context per student) and prints, per scenario:

- keystroke -> every chosen model updated: p50 / p95 seconds (the live input's 0.4 s pause
  included), measured in the browser from the new text to the last card showing it;
- page loads (open Predict until the text box is usable): p50 / p95;
- errors (timeouts, error boxes, tracebacks);
- for the scenario with training: how long the job took, against the same job outside the app (a
  Python process of its own) and alone in the app.

Also: 25 sessions each submit a fastText job (all must finish, queue positions checked), and the
training worker is killed with SIGKILL mid-job (the job must end "failed: worker lost" while the
server keeps serving).

    python benchmarks/classroom_load.py                      # everything (about 20 minutes on 2 cores)
    python benchmarks/classroom_load.py --only alone,room    # some scenarios
    python benchmarks/classroom_load.py --readme-only        # README's table from the last results

Results: benchmarks/results/classroom_load.json; --update-readme rewrites the README's table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment_core.access import Who  # noqa: E402
from sentiment_core.config import default_configs  # noqa: E402
from sentiment_core.estimates import estimate  # noqa: E402
from sentiment_core.jobqueue import DataSpec, JobQueue  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "classroom_load.json"
BEGIN, END = "<!-- classroom_load:begin -->", "<!-- classroom_load:end -->"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
MODELS = ["fasttext", "cnn", "multicnn"]
# Resolves once every card (one per model) shows the token just typed in its coloured words; checked
# on each change to the page (a MutationObserver), not on a timer that would load 20 browsers.
ALL_CARDS_SHOW = """([token, cards]) => new Promise(resolve => {
  const done = () => {
    const shown = [...document.querySelectorAll('.word-weights')];
    return shown.length >= cards && shown.filter(e => e.textContent.includes(token)).length >= cards;
  };
  if (done()) return resolve(true);
  const observer = new MutationObserver(() => { if (done()) { observer.disconnect(); resolve(true); } });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
})"""


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "max": max(values) if values else None}


# -- the server -------------------------------------------------------------------------------


class Server:
    def __init__(self, data_dir: str, models_dir: str, log: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.models_dir = models_dir
        env = {**os.environ, "SENTIMENT_DATA_DIR": data_dir, "SENTIMENT_MODELS_DIR": models_dir,
               "TF_CPP_MIN_LOG_LEVEL": "2"}
        self.log = open(log, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
             str(self.port), "--server.headless", "true"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("streamlit did not start")

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU seconds used so far by the web server process, and by its worker processes."""
        import psutil

        server = psutil.Process(self.process.pid)
        own = sum(server.cpu_times()[:2])
        workers = 0.0
        for child in server.children(recursive=True):
            try:
                workers += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return own, workers

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def submit(models_dir: str, data_dir: str, owner: str, name: str, variant: str, n_train: int, epochs: int | None = None):
    model_config, train_config = default_configs(variant)
    if epochs is not None:
        train_config = train_config.replace(epochs=epochs)
    sizes = (n_train - n_train // 10, n_train // 10, 500)
    plan = estimate(model_config, train_config, *sizes)
    data = DataSpec("imdb", f"IMDB {n_train:,}", data_dir=data_dir, train_size=n_train, test_size=500, sizes=sizes)
    return JobQueue(models_dir).submit(Who(owner, owner[:6]), name, model_config, train_config, data,
                                       plan.to_dict())


def wait_jobs(models_dir: str, ids: list[str], timeout: float, watch=None):
    queue = JobQueue(models_dir)
    deadline = time.time() + timeout
    while time.time() < deadline:
        jobs = [queue.get(i) for i in ids]
        if watch:
            watch(jobs)
        if not any(j.active for j in jobs):
            return jobs
        time.sleep(0.5)
    raise RuntimeError(f"jobs not finished after {timeout:.0f} s: {[(j.name, j.state) for j in jobs]}")


# -- browsers ---------------------------------------------------------------------------------


async def student(browser, url: str, sid: int, keystrokes: int, think_s: float, cards: int, out: dict,
                  arrive_s: float = 0.0, until=None) -> None:
    """One student: opens Predict, then types ``keystrokes`` sentences (or, with ``until``, types
    until it returns True, at most ``keystrokes``)."""
    await asyncio.sleep(arrive_s)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    query = "&".join(f"predict_models={m}" for m in MODELS[:cards])
    try:
        started = time.perf_counter()
        await page.goto(f"{url}/predict?{query}", timeout=120_000)
        box = page.get_by_label("Type a sentence")
        await box.wait_for(timeout=120_000)
        out["loads"].append(time.perf_counter() - started)
        for k in range(keystrokes):
            if until is not None and until():
                break
            await asyncio.sleep(think_s * (0.5 + (sid * 7 + k * 3) % 10 / 10))
            token = f"zq{sid}x{k}"
            started = time.perf_counter()
            await box.fill(f"a wonderful film, gross and vulgar, but I loved it {token}")
            try:
                await asyncio.wait_for(page.evaluate(ALL_CARDS_SHOW, [token, cards]), timeout=60)
                out["keystrokes"].append(time.perf_counter() - started)
            except Exception as error:  # noqa: BLE001 - a timeout is an error of the room, counted
                out["errors"].append(f"student {sid} keystroke {k}: {type(error).__name__}")
        if await page.get_by_text("Traceback").count() or await page.get_by_test_id("stException").count():
            out["errors"].append(f"student {sid}: an exception on the page")
        if await page.get_by_test_id("stAlertContentError").count():
            out["errors"].append(f"student {sid}: an error box on the page")
    except Exception as error:  # noqa: BLE001
        out["errors"].append(f"student {sid}: {type(error).__name__}: {str(error)[:120]}")
    finally:
        await context.close()


async def wire_student(url: str, sid: int, keystrokes: int, think_s: float, cards: int, out: dict,
                       arrive_s: float = 0.0, until=None) -> None:
    """The same student as ``student``, its laptop's part left out: the page's requests and its
    websocket messages, sent by a WireSession (benchmarks/wire_client.py) that draws nothing."""
    from wire_client import WireError, WireSession

    await asyncio.sleep(arrive_s)
    query = "&".join(f"predict_models={m}" for m in MODELS[:cards])
    session = WireSession(url, "predict", query)
    try:
        out["loads"].append(await session.open())
        for k in range(keystrokes):
            if until is not None and until():
                break
            await asyncio.sleep(think_s * (0.5 + (sid * 7 + k * 3) % 10 / 10))
            token = f"zq{sid}x{k}"
            try:  # the same text, the same 0.4 s pause, the same check: every card shows the token
                out["keystrokes"].append(await session.type(
                    "Type a sentence", f"a wonderful film, gross and vulgar, but I loved it {token}", token, cards))
            except WireError as error:
                out["errors"].append(f"student {sid} keystroke {k}: {error}")
        out["errors"].extend(f"student {sid}: {error}" for error in session.errors)
    except Exception as error:  # noqa: BLE001 - a failed load is an error of the room, counted
        out["errors"].append(f"student {sid}: {type(error).__name__}: {str(error)[:120]}")
    finally:
        await session.close()


async def browser_cost(url: str, keystrokes: int = 10, cards: int = 3) -> dict:
    """CPU seconds one Chromium spends to open Predict, and per keystroke after it (its own processes,
    summed before its page closes): what each student's laptop does, and what the all-Chromium
    scenarios put on the server's cores twenty times over."""
    import psutil
    from playwright.async_api import async_playwright

    def chromium_cpu() -> float:
        total = 0.0
        for child in psutil.Process().children(recursive=True):  # Playwright's driver, and its browser
            try:
                if "chrom" in child.name():
                    total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total

    query = "&".join(f"predict_models={m}" for m in MODELS[:cards])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await asyncio.sleep(1)
        before = chromium_cpu()
        await page.goto(f"{url}/predict?{query}", timeout=120_000)
        box = page.get_by_label("Type a sentence")
        await box.wait_for(timeout=120_000)
        await asyncio.sleep(2)  # the page settles (fonts, the last layout)
        loaded = chromium_cpu()
        idle_started = time.perf_counter()
        await asyncio.sleep(5)
        idle_rate = (chromium_cpu() - loaded) / (time.perf_counter() - idle_started)
        typed, started = chromium_cpu(), time.perf_counter()
        for k in range(keystrokes):
            token = f"zqcost{k}"
            await box.fill(f"a wonderful film, gross and vulgar, but I loved it {token}")
            await asyncio.wait_for(page.evaluate(ALL_CARDS_SHOW, [token, cards]), timeout=60)
            await asyncio.sleep(1.0)
        per_keystroke = (chromium_cpu() - typed - idle_rate * (time.perf_counter() - started)) / keystrokes
        await browser.close()
    return {"page_load_cpu_s": loaded - before, "keystroke_cpu_ms": 1000 * per_keystroke, "idle_cpu_ms_per_s": 1000 * idle_rate,
            "keystrokes": keystrokes}


def students(browser, url: str, sessions: int, keystrokes: int, think_s: float, cards: int, out: dict, wire: bool,
             until=None) -> list:
    """The room's students as coroutines. With ``wire``, every student but one is a WireSession; the
    last is a real Chromium page, whose own figures (drawing included) go to out["browser"]."""
    if not wire:
        return [student(browser, url, sid, keystrokes, think_s, cards, out, sid * ARRIVAL_S[0], until)
                for sid in range(sessions)]
    out["browser"] = {"keystrokes": [], "loads": [], "errors": []}
    return [wire_student(url, sid, keystrokes, think_s, cards, out, sid * ARRIVAL_S[0], until)
            for sid in range(sessions - 1)] + [
        student(browser, url, sessions - 1, keystrokes, think_s, cards, out["browser"], (sessions - 1) * ARRIVAL_S[0], until)]


def room_summary(out: dict) -> dict:
    result = {"keystroke_s": summary(out["keystrokes"]), "page_load_s": summary(out["loads"]), "errors": out["errors"],
              "train_page_runs": out.get("train_page_runs")}
    if "browser" in out:  # wire students, and one real browser among them
        seen = out["browser"]
        result["browser"] = {"keystroke_s": summary(seen["keystrokes"]), "page_load_s": summary(seen["loads"]),
                             "errors": seen["errors"]}
        result["errors"] = out["errors"] + seen["errors"]
    return result


ARRIVAL_S = [2.0]  # seconds between two students opening the page (set by --arrival)


def cpu_split(server: "Server", work) -> tuple:
    """Runs ``work()``; returns its result and the CPU seconds per wall second taken by the web server,
    its workers, and everything else (the browsers)."""
    import psutil

    before, total_before, started = server.cpu_seconds(), psutil.cpu_times(), time.perf_counter()
    result = work()
    after, total_after, seconds = server.cpu_seconds(), psutil.cpu_times(), time.perf_counter() - started
    busy = lambda t: t.user + t.nice + t.system  # noqa: E731
    own, workers = after[0] - before[0], after[1] - before[1]
    total = busy(total_after) - busy(total_before)
    return result, {"server": own / seconds, "workers": workers / seconds, "browsers_and_rest": (total - own - workers) / seconds}


async def room(url: str, sessions: int, keystrokes: int, think_s: float, cards: int = 3, train_page: bool = False,
               wire: bool = False) -> dict:
    from playwright.async_api import async_playwright

    out = {"keystrokes": [], "loads": [], "errors": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        done = []
        projector = await train_page_open(browser, url, wire, until=lambda: bool(done)) if train_page else None
        await asyncio.gather(*students(browser, url, sessions, keystrokes, think_s, cards, out, wire))
        done.append(True)
        if projector is not None:
            out["train_page_runs"] = await projector
        await browser.close()
    return room_summary(out)


async def train_page_open(browser, url: str, wire: bool, until):
    """The teacher's projector showing the Train page while the job runs; returns a task that
    ends when ``until()`` is true. With ``wire``, a WireSession that reruns the page's live panel at
    the pace the page asks for (as the browser does), else a Chromium page."""
    if wire:
        from wire_client import WireSession

        session = WireSession(url, "train")
        await session.open()

        async def follow():
            try:
                return await session.follow(until)
            finally:
                await session.close()
        return asyncio.create_task(follow())
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{url}/train", timeout=120_000)

    async def wait():
        while not until():
            await asyncio.sleep(0.5)
        await context.close()
        return None
    return asyncio.create_task(wait())


def autogroup_scheduling() -> bool:
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return False


def renice_browsers(niceness: int, server: Server, group_niceness: int | None = None) -> None:
    import psutil

    while server.process.poll() is None:
        for process in psutil.process_iter(["name"]):
            try:
                if "chrom" in (process.info["name"] or ""):
                    # Playwright starts chromium in a session of its own. With the kernel's autogroup
                    # scheduling (on by default) a session competes with the server's session as a
                    # whole, whatever its threads' niceness; --browser-group-nice sets the session's.
                    autogroup = Path(f"/proc/{process.pid}/autogroup")
                    if group_niceness is not None and autogroup.exists() and \
                            not autogroup.read_text().rstrip().endswith(f"nice {group_niceness}"):
                        autogroup.write_text(str(group_niceness))
                    for thread in process.threads():  # on Linux, niceness belongs to each thread
                        if os.getpriority(os.PRIO_PROCESS, thread.id) != niceness:
                            os.setpriority(os.PRIO_PROCESS, thread.id, niceness)
            except (psutil.Error, OSError):
                pass
        time.sleep(0.5)


# -- scenarios --------------------------------------------------------------------------------


def scenario_room_with_training(server: Server, data_dir: str, sessions: int, keystrokes: int, think_s: float,
                                n_train: int, owner: str, wire: bool = False) -> dict:
    job = submit(server.models_dir, data_dir, owner, f"busy-{owner}", "multicnn", n_train)
    queue = JobQueue(server.models_dir)
    deadline = time.time() + 300
    while queue.get(job.id).state not in ("training", "done", "failed") and time.time() < deadline:
        time.sleep(0.2)
    result, cpu = cpu_split(server, lambda: asyncio.run(room(server.url, sessions, keystrokes, think_s, train_page=True,
                                                             wire=wire)))
    result["cpu_cores_busy"] = cpu
    ended = wait_jobs(server.models_dir, [job.id], 1800)[0]
    result["job"] = {"state": ended.state, "seconds": ended.elapsed_s, "train_seconds": (ended.metrics or {}).get("train_seconds")}
    return result


def job_alone(server: Server, data_dir: str, n_train: int, owner: str) -> dict:
    job = submit(server.models_dir, data_dir, owner, f"alone-{owner}", "multicnn", n_train)
    ended = wait_jobs(server.models_dir, [job.id], 1800)[0]
    return {"state": ended.state, "seconds": ended.elapsed_s, "train_seconds": (ended.metrics or {}).get("train_seconds")}


# The same job outside the app: a fresh Python process, TensorFlow at its defaults (a thread per
# core for each operation), nice 0, running the function the training worker runs, with IMDB
# read and the tokens cached beforehand, as on the app's warm worker; the saved model's maps are
# not drawn (in the app they are drawn after the job's end, on another worker).
OUTSIDE = """
import sys
from sentiment_core.quiet import import_keras_quietly
import_keras_quietly()
from sentiment_core import training_jobs
from sentiment_core.worker_cache import imdb
imdb(sys.argv[2])
training_jobs._draw_maps_after_save = lambda *args: None
print(training_jobs.run_training(sys.argv[1], sys.argv[3]))
"""


def job_outside(server: Server, data_dir: str, n_train: int, owner: str) -> dict:
    from sentiment_core import paths

    folder = Path(server.models_dir).parent / "outside"
    tokens = paths.token_cache_dir(folder)
    if not tokens.exists():  # the app's token cache: its first job tokenized these reviews
        tokens.parent.mkdir(parents=True, exist_ok=True)
        tokens.symlink_to(paths.token_cache_dir(server.models_dir), target_is_directory=True)
    job = submit(str(folder), data_dir, owner, f"outside-{owner}", "multicnn", n_train)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_NUM_")}
    subprocess.run([sys.executable, "-c", OUTSIDE, str(folder), data_dir, job.id], cwd=ROOT, check=True, timeout=1800,
                   env={**env, "TF_CPP_MIN_LOG_LEVEL": "2"}, stdout=subprocess.DEVNULL,
                   preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, 0))  # this process may run at the browsers' nice
    ended = JobQueue(str(folder)).get(job.id)
    return {"state": ended.state, "seconds": ended.elapsed_s, "train_seconds": (ended.metrics or {}).get("train_seconds")}


def job_while_typing(server: Server, data_dir: str, sessions: int, think_s: float, n_train: int, owner: str,
                     wire: bool = False) -> dict:
    """The same job with its Train page open and ``sessions`` students typing for the whole of it."""
    job = submit(server.models_dir, data_dir, owner, f"typing-{owner}", "multicnn", n_train)

    async def run():
        from playwright.async_api import async_playwright

        out = {"keystrokes": [], "loads": [], "errors": []}
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            queue = JobQueue(server.models_dir)
            projector = await train_page_open(browser, server.url, wire, until=lambda: not queue.get(job.id).active)
            # The same students, their pages open all along, typing until the job ends (at most 2,000 each).
            await asyncio.gather(*students(browser, server.url, sessions, 2000, think_s, 3, out, wire,
                                           until=lambda: not queue.get(job.id).active))
            out["train_page_runs"] = await projector
            await browser.close()
        return out

    out = asyncio.run(run())
    ended = wait_jobs(server.models_dir, [job.id], 1800)[0]
    return {"state": ended.state, "seconds": ended.elapsed_s, "train_seconds": (ended.metrics or {}).get("train_seconds"),
            **room_summary(out)}


def scenario_queue(server: Server, data_dir: str, sessions: int) -> dict:
    """``sessions`` students each submit a fastText job on 2,000 reviews at once."""
    ids = [submit(server.models_dir, data_dir, f"queue{i:04d}", f"queued-{i:02d}", "fasttext", 2000).id for i in range(sessions)]
    started = time.time()
    wrong = []

    def check(jobs):
        # One consistent read of the queue (reading jobs one by one races with jobs starting meanwhile).
        waiting = [j for j in JobQueue(server.models_dir).active() if j.waiting]
        if [j.position for j in waiting] != list(range(1, len(waiting) + 1)) or [j.seq for j in waiting] != sorted(
                j.seq for j in waiting):
            wrong.append([j.position for j in waiting])

    jobs = wait_jobs(server.models_dir, ids, 3600, watch=check)
    from sentiment_core.store import ModelStore

    saved = [j.saved_as for j in jobs if j.saved_as and ModelStore(server.models_dir).exists(j.saved_as)]
    order = [j.name for j in sorted(jobs, key=lambda j: j.started_at or 0)]
    ratios = [j.elapsed_s / j.planned_s for j in jobs if j.planned_s and j.state == "done"]
    return {"submitted": len(ids), "done": sum(j.state == "done" for j in jobs), "saved": len(saved),
            "actual_over_estimate": summary(ratios),
            "started_in_submission_order": order == [f"queued-{i:02d}" for i in range(sessions)],
            "position_errors": len(wrong), "seconds": time.time() - started}


def scenario_kill(server: Server, data_dir: str) -> dict:
    victim = submit(server.models_dir, data_dir, "kill0001", "killed", "multicnn", 5000)
    after = submit(server.models_dir, data_dir, "kill0002", "after-kill", "fasttext", 2000, epochs=1)
    queue = JobQueue(server.models_dir)
    deadline = time.time() + 300
    while queue.get(victim.id).state != "training" and time.time() < deadline:
        time.sleep(0.2)
    worker_pid = int(queue.get(victim.id).worker.rsplit(":", 1)[1])
    os.kill(worker_pid, signal.SIGKILL)
    killed_at = time.time()
    ended = wait_jobs(server.models_dir, [victim.id], 300)[0]
    failed_after = time.time() - killed_at
    next_job = wait_jobs(server.models_dir, [after.id], 900)[0]
    serving = asyncio.run(room(server.url, 1, 3, 0.5))
    return {"victim": ended.state, "message": ended.message, "failed_after_s": failed_after, "next_job": next_job.state,
            "serving_after": serving}


# -- report -----------------------------------------------------------------------------------


def fmt(value, digits=2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


DEFAULT_SCENARIOS = "alone,room,room_training,slowdown,room_wire,room_training_wire,slowdown_wire,queue,kill"


def _at(results: dict, key: str) -> str:
    """The note ' (measured ...)' for a scenario run after the others (a run of that scenario alone)."""
    when = (results.get(key) or {}).get("when")
    return f" (measured {when})" if when and when != results.get("when") else ""


def table(results: dict) -> str:
    group = results.get("browser_group_nice")
    if results.get("autogroup"):
        priority = (f"browsers' threads at nice {results.get('browser_nice', 0)}, and their session at nice {group}"
                    if group is not None else
                    f"browsers' threads at nice {results.get('browser_nice', 0)}, but the kernel's autogroup scheduling "
                    "is on, so the browsers' session competes with the server's as a whole (about equal shares)")
    else:
        priority = f"browsers at nice {results.get('browser_nice', 0)}"
    lines = [f"Setup: {results.get('machine')}, server and browsers on the same machine; {priority} (they stand in "
             f"for the students' own laptops); a student opens Predict every "
             f"{results.get('arrival_s', 0)} s, then types {results.get('keystrokes')} sentences, "
             f"{results.get('think_s')} s apart on average; 3 models per card set. Measured {results.get('when')}.", "",
             "Rows marked *WireSessions*: 19 students are WireSessions (benchmarks/wire_client.py: what a laptop "
             "sends the server, nothing drawn), the 20th a real Chromium, whose own figures are on the row below; the "
             "projector's Train page is a WireSession too.", "",
             "| scenario | keystroke → all cards p50 / p95 (s) | page load p50 / p95 (s) | errors |", "|---|---|---|---|"]
    wire = " — {w} WireSessions + 1 Chromium"
    for key, label in (("alone", "1 session alone"), ("room", "{n} sessions typing"),
                       ("room_training", "{n} sessions typing while a multicnn trains on {t:,} reviews"),
                       ("room_wire", "{n} sessions typing" + wire),
                       ("room_training_wire", "{n} sessions typing while a multicnn trains on {t:,} reviews" + wire)):
        r = results.get(key)
        if not r:
            continue
        n = results["sessions"]
        for who, part in (("", r), (" — its Chromium alone", r.get("browser"))):
            if not part:
                continue
            k, l = part["keystroke_s"], part["page_load_s"]
            lines.append(f"| {label.format(n=n, t=results['n_train'], w=n - 1) + _at(results, key) if not who else who} | {fmt(k['p50'])} / "
                         f"{fmt(k['p95'])} (n={k['n']}) | {fmt(l['p50'])} / {fmt(l['p95'])} | {len(part['errors'])} |")
    extra = []
    for key in ("room", "room_training", "room_wire", "room_training_wire"):
        cpu = (results.get(key) or {}).get("cpu_cores_busy")
        if cpu:
            extra.append(f"- CPU cores busy during '{key}'{_at(results, key)}: web server {cpu['server']:.2f}, workers {cpu['workers']:.2f}, "
                         f"browsers, WireSessions and the rest {cpu['browsers_and_rest']:.2f} (of {os.cpu_count()}).")
    alone = results.get("alone") or {}
    if "server_cpu_ms_per_keystroke" in alone:
        extra.append(f"- One session alone{_at(results, 'alone')}, per keystroke with {len(MODELS)} models: the web server spent "
                     f"{alone['server_cpu_ms_per_keystroke']:.0f} ms of CPU (its page load shared out, its idle "
                     f"{alone['idle_cpu_ms_per_s'][0]:.0f} ms/s taken off), the workers "
                     f"{alone['worker_cpu_ms_per_keystroke']:.0f} ms (three predictions with word weights, Dask).")
    if "browser_cpu" in alone:
        cost = alone["browser_cpu"]
        extra.append(f"- One Chromium's own CPU (all its processes, drawing in software as on a machine without a GPU): "
                     f"{cost['page_load_cpu_s']:.2f} s to open Predict, {cost['keystroke_cpu_ms']:.0f} ms per keystroke "
                     f"(mean of {cost['keystrokes']}, its idle {cost['idle_cpu_ms_per_s']:.0f} ms/s taken off). Each "
                     "student's laptop spends this; in the all-Chromium rows the 2 cores spend it twenty times.")
    for key, who in (("slowdown", "sessions typing in Chromium"),
                     ("slowdown_wire", "sessions typing (WireSessions, one of them Chromium)")):
        if results.get(key):
            s = results[key]
            ratios = s.get("ratios", [s["ratio"]])
            cpu = s["typing"].get("cpu_cores_busy")
            tail = (_at(results, key) + f"; keystroke p95 meanwhile {fmt(s['typing']['keystroke_s']['p95'])} s, "
                    f"{len(s['typing']['errors'])} errors"
                    + (f"; CPU cores busy: web server {cpu['server']:.2f}, workers {cpu['workers']:.2f}, the rest "
                       f"{cpu['browsers_and_rest']:.2f}" if cpu else "") + ".")
            room = (f"with its Train page open{' (a WireSession)' if 'wire' in key else ''} and {s['typing_sessions']} {who} "
                    "throughout" + (f" (the WireSessions at nice {s['client_nice']}, as the browsers)"
                                    if 'wire' in key and s.get("client_nice") else ""))
            if "outside" in s:  # since 2026-12-07: against the job outside the app too
                outside = s["ratios_outside"]
                totals = s["seconds_all_triples"]
                extra.append(
                    f"- multicnn on {results['n_train']:,} reviews: {s['outside']['seconds']:.1f} s outside the app (a "
                    f"Python process of its own, TensorFlow's defaults), {s['alone']['seconds']:.1f} s alone in the app, "
                    f"{s['typing']['seconds']:.1f} s {room}: **{s['ratio_outside']:.2f}× its time outside the app**, "
                    f"{s['ratio']:.2f}× alone in the app (the median of {len(outside)} triples of runs, against outside: "
                    f"{', '.join(f'{r:.2f}' for r in outside)}; against alone in the app: "
                    f"{', '.join(f'{r:.2f}' for r in ratios)}; all added up: {totals[0]:.0f} s outside, {totals[1]:.0f} s "
                    f"alone in the app, {totals[2]:.0f} s beside the room, {s['ratio_outside_all_triples']:.2f}× and "
                    f"{s['ratio_all_triples']:.2f}×)" + tail)
                continue
            extra.append(f"- multicnn on {results['n_train']:,} reviews: {s['alone']['seconds']:.1f} s alone in the app, "
                         f"{s['typing']['seconds']:.1f} s {room}: **{s['ratio']:.2f}×**"
                         + (f" (the median of {len(ratios)} pairs of runs: {', '.join(f'{r:.2f}' for r in ratios)}"
                            + (f"; all {len(ratios)} pairs added up: {s['seconds_all_pairs'][0]:.0f} s alone, "
                               f"{s['seconds_all_pairs'][1]:.0f} s beside the room, {s['ratio_all_pairs']:.2f}×"
                               if s.get("seconds_all_pairs") else "") + ")"
                            if len(ratios) > 1 else "")
                         + tail)
    if results.get("queue"):
        q = results["queue"]
        extra.append(f"- {q['submitted']} sessions each submit a fastText job on 2,000 reviews: {q['done']} done, "
                     f"{q['saved']} saved, started in submission order: {q['started_in_submission_order']}, "
                     f"position errors: {q['position_errors']}, all finished in {q['seconds']:.0f} s; each job took "
                     f"{fmt(q['actual_over_estimate']['p50'])}× its estimate at the median "
                     f"(p95 {fmt(q['actual_over_estimate']['p95'])}×).")
    if results.get("kill"):
        k = results["kill"]
        extra.append(f"- `kill -9` of the training worker mid-job: the job ended {k['victim']!r} ({k['message']}) "
                     f"{k['failed_after_s']:.1f} s later; the next job: {k['next_job']!r}; a session typing afterwards: "
                     f"p95 {fmt(k['serving_after']['keystroke_s']['p95'])} s, {len(k['serving_after']['errors'])} errors.")
    return "\n".join(lines + [""] + extra)


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    if BEGIN not in content:
        print("README has no classroom_load markers; table not written.")
        return
    head, rest = content.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--keystrokes", type=int, default=8, help="per session")
    parser.add_argument("--think", type=float, default=1.5, help="seconds between a session's sentences (varied)")
    parser.add_argument("--n-train", type=int, default=5000, help="reviews for the multicnn trained meanwhile")
    parser.add_argument("--queue-sessions", type=int, default=25)
    parser.add_argument("--slowdown-sessions", type=int, default=10)
    parser.add_argument("--slowdown-repeats", type=int, default=1,
                        help="triples of runs (outside the app, alone in it, beside the room in Chromium: about 9 minutes "
                             "a triple)")
    parser.add_argument("--wire-slowdown-repeats", type=int, default=5,
                        help="triples of runs (outside the app, alone in it, beside the room of WireSessions: about "
                             "3.5 minutes a triple)")
    parser.add_argument("--arrival", type=float, default=2.0, help="seconds between two students opening Predict")
    parser.add_argument("--browser-nice", type=int, default=19,
                        help="the browsers' and the WireSessions' OS priority: they stand in for the students' own "
                             "laptops, so by default they yield the 2 cores to the server (0: equal footing)")
    parser.add_argument("--browser-group-nice", type=int, default=None,
                        help="also set the browsers' session (autogroup) niceness; 19 starves them while a job trains")
    parser.add_argument("--only", default=DEFAULT_SCENARIOS,
                        help="scenarios; the *_wire ones put every student but one on a WireSession (the server's "
                             "side of a laptop, benchmarks/wire_client.py), the last on Chromium")
    parser.add_argument("--data-dir", default=os.environ.get("SENTIMENT_DATA_DIR") or str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument("--readme-only", action="store_true")
    args = parser.parse_args()
    if args.readme_only:
        update_readme(table(json.loads(RESULTS.read_text())))
        return
    only = set(args.only.split(","))
    work = Path(tempfile.mkdtemp(prefix="classroom-"))
    server = Server(args.data_dir, str(work / "models"), work / "streamlit.log")
    ARRIVAL_S[0] = args.arrival
    results = {"sessions": args.sessions, "n_train": args.n_train, "machine": f"{os.cpu_count()} CPU cores",
               "when": time.strftime("%Y-%m-%d %H:%M"), "arrival_s": args.arrival, "browser_nice": args.browser_nice,
               "browser_group_nice": args.browser_group_nice, "autogroup": autogroup_scheduling(),
               "think_s": args.think, "keystrokes": args.keystrokes}
    try:
        print("training the three models the students query ...", flush=True)
        ids = [submit(server.models_dir, args.data_dir, f"setup{i:04d}", name, name, 2000, epochs=2).id
               for i, name in enumerate(MODELS)]
        asyncio.run(room(server.url, 1, 0, 0))  # a first visit: the server sees its models folder and dispatches
        jobs = wait_jobs(server.models_dir, ids, 1800)
        assert all(j.state == "done" for j in jobs), [j.message for j in jobs]
        asyncio.run(room(server.url, 1, 3, 0.3))  # warm: the models load on the serving worker
        # The browsers stand in for the students' laptops. Chromium sets its processes' priorities
        # itself, so a thread renices every chromium process twice a second while this runs.
        if args.browser_nice:
            renicer = threading.Thread(target=renice_browsers, args=(args.browser_nice, server, args.browser_group_nice),
                                       daemon=True)
            renicer.start()
            # The WireSessions stand in for laptops too: this process speaks for them (its asyncio loop
            # decodes what the server sends), so its threads take the browsers' priority and do not
            # take the 2 cores from the server and the training job. Threads and processes started
            # from now on (Playwright's driver) inherit it; the server, started before, keeps its own.
            import psutil

            for thread in psutil.Process().threads():
                os.setpriority(os.PRIO_PROCESS, thread.id, max(os.getpriority(os.PRIO_PROCESS, thread.id), args.browser_nice))
        if "alone" in only:
            # What the processes spend idle (Dask heartbeats, the dispatcher's look at the queue) ...
            before, started = server.cpu_seconds(), time.perf_counter()
            time.sleep(15)
            after = server.cpu_seconds()
            idle = [(a - b) / (time.perf_counter() - started) for a, b in zip(after, before)]
            # ... is taken off what one session typing costs them, per keystroke.
            before, started = server.cpu_seconds(), time.perf_counter()
            results["alone"] = asyncio.run(room(server.url, 1, 20, args.think))
            after, seconds = server.cpu_seconds(), time.perf_counter() - started
            n = max(results["alone"]["keystroke_s"]["n"], 1)
            results["alone"]["server_cpu_ms_per_keystroke"] = 1000 * (after[0] - before[0] - idle[0] * seconds) / n
            results["alone"]["worker_cpu_ms_per_keystroke"] = 1000 * (after[1] - before[1] - idle[1] * seconds) / n
            results["alone"]["idle_cpu_ms_per_s"] = [1000 * rate for rate in idle]
            results["alone"]["browser_cpu"] = asyncio.run(browser_cost(server.url))
            print("alone", json.dumps(results["alone"]), flush=True)
        if "room" in only:
            results["room"], cpu = cpu_split(server, lambda: asyncio.run(room(server.url, args.sessions, args.keystrokes, args.think)))
            results["room"]["cpu_cores_busy"] = cpu
            print("room", json.dumps(results["room"]), flush=True)
        if "room_training" in only:
            results["room_training"] = scenario_room_with_training(server, args.data_dir, args.sessions, args.keystrokes,
                                                                   args.think, args.n_train, "busy0001")
            print("room_training", json.dumps(results["room_training"]), flush=True)
        if "room_wire" in only:
            results["room_wire"], cpu = cpu_split(server, lambda: asyncio.run(
                room(server.url, args.sessions, args.keystrokes, args.think, wire=True)))
            results["room_wire"]["cpu_cores_busy"] = cpu
            print("room_wire", json.dumps(results["room_wire"]), flush=True)
        if "room_training_wire" in only:
            results["room_training_wire"] = scenario_room_with_training(
                server, args.data_dir, args.sessions, args.keystrokes, args.think, args.n_train, "busy0002", wire=True)
            print("room_training_wire", json.dumps(results["room_training_wire"]), flush=True)
        for key, wire in (("slowdown", False), ("slowdown_wire", True)):
            if key not in only:
                continue
            # The same job alone, then beside the typing room, in turns: a slow spell of the machine
            # falls on both sides of a pair, and the median pair's ratio is reported.
            pairs = []
            for repeat in range(args.wire_slowdown_repeats if wire else args.slowdown_repeats):
                outside = job_outside(server, args.data_dir, args.n_train, f"slow{repeat:02d}{wire:d}0")
                alone = job_alone(server, args.data_dir, args.n_train, f"slow{repeat:02d}{wire:d}1")
                typing, cpu = cpu_split(server, lambda: job_while_typing(
                    server, args.data_dir, args.slowdown_sessions, args.think, args.n_train, f"slow{repeat:02d}{wire:d}2",
                    wire=wire))
                typing["cpu_cores_busy"] = cpu
                pairs.append({"outside": outside, "alone": alone, "typing": typing,
                              "ratio": typing["seconds"] / alone["seconds"],
                              "ratio_outside": typing["seconds"] / outside["seconds"]})
            # The ratio is against the job outside the app; against the job alone in the app too.
            middle = sorted(pairs, key=lambda pair: pair["ratio_outside"])[len(pairs) // 2]  # of two, the higher
            # Also every triple's time added up: a slow spell of the machine weighs by its length, not by
            # the triple it fell in (single pairs have read 0.86x and 1.43x in one run).
            totals = [sum(pair[side]["seconds"] for pair in pairs) for side in ("outside", "alone", "typing")]
            results[key] = {**middle, "ratios": [pair["ratio"] for pair in pairs],
                            "ratios_outside": [pair["ratio_outside"] for pair in pairs],
                            "typing_sessions": args.slowdown_sessions, "seconds_all_triples": totals,
                            "ratio_outside_all_triples": totals[2] / totals[0], "ratio_all_triples": totals[2] / totals[1],
                            "client_nice": args.browser_nice,
                            # The training worker's TensorFlow threads per operation: set, or sized for the machine.
                            "train_op_threads": os.environ.get("SENTIMENT_TRAIN_OP_THREADS") or "engine default"}
            print(key, json.dumps(results[key]), flush=True)
        if "queue" in only:
            results["queue"] = scenario_queue(server, args.data_dir, args.queue_sessions)
            print("queue", json.dumps(results["queue"]), flush=True)
        if "kill" in only:
            results["kill"] = scenario_kill(server, args.data_dir)
            print("kill", json.dumps(results["kill"]), flush=True)
    finally:
        server.close()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # A run of some scenarios (--only) replaces those alone: each keeps when it was measured, and the
    # header's date stays the one of the scenarios run together.
    for value in results.values():
        if isinstance(value, dict):
            value["when"] = results["when"]
    if previous and only != set(DEFAULT_SCENARIOS.split(",")):
        results["when"] = previous.get("when", results["when"])
    RESULTS.write_text(json.dumps({**previous, **results}, indent=2))
    text = table({**previous, **results})
    print(text)
    if args.update_readme:
        update_readme(text)


if __name__ == "__main__":
    main()
