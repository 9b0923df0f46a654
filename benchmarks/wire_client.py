"""A Streamlit session spoken over its websocket, without a browser: the server's side of a student.

In a classroom each student's browser runs on their own laptop; the server only sees the page
request, a websocket, the messages the page sends on each change (a `BackMsg` with the widgets'
values) and the ones the script run sends back (`ForwardMsg` deltas). Twenty Chromium processes
on the server's own 2 cores are not that room: they draw every page on the cores the server and
its workers need. A `WireSession` sends and reads exactly those messages, as the browser does
(recorded from Chromium with Playwright and replayed), and draws nothing, so the load benchmark
can put the room's server-side work on the server without the laptops' drawing.

It speaks Streamlit's wire protocol (the generated `streamlit.proto` messages the browser and
server exchange), which is not a public Python API: a new Streamlit release may change it. The
benchmark checks every run's answer (the token typed shows in every card), so a change shows as
errors, not as good figures.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from urllib.parse import parse_qsl, urlencode, urlparse

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
# Widgets whose value the browser sends back with every run, and how (a button's trigger is sent only when clicked).
_STRING_WIDGETS = ("text_input", "text_area")
_CHOICE_WIDGETS = ("radio", "selectbox")


class WireError(RuntimeError):
    """The server answered with an error, an exception, or not at all."""


def _initial_state(element) -> WidgetState | None:
    """The value a browser reports for a widget it has just drawn: its default."""
    kind = element.WhichOneof("type")
    widget = getattr(element, kind, None) if kind else None
    if widget is None or not getattr(widget, "id", ""):
        return None
    state = WidgetState(id=widget.id)
    if kind in _STRING_WIDGETS:  # the value the script set (session state) if any, else the default
        state.string_value = widget.value if widget.HasField("value") else (
            widget.default if widget.HasField("default") else "")
    elif kind in _CHOICE_WIDGETS:
        if not widget.HasField("default"):
            return None
        state.string_value = widget.options[widget.default]
    elif kind == "multiselect":
        state.string_array_value.data.extend(widget.options[i] for i in widget.default)
    elif kind == "checkbox":
        state.bool_value = widget.default
    elif kind == "number_input":
        if widget.data_type == widget.INT:
            state.int_value = int(widget.default)
        else:
            state.double_value = widget.default
    elif kind == "file_uploader":
        state.file_uploader_state_value.SetInParent()
    else:  # buttons (triggers), sliders, and widgets the pages here do not type into: the server keeps their values
        return None
    return state


class WireSession:
    """One visitor: opens a page (``open``), then changes a text box the way typing does (``type``)."""

    def __init__(self, base_url: str, page: str, query: str = "", timeout: float = 120.0):
        self.base_url = base_url.rstrip("/")
        self.page = page
        self.query = query
        self.timeout = timeout
        self.widgets: dict[str, WidgetState] = {}  # widget id -> the value sent back with each run
        self.labels: dict[str, str] = {}  # widget label -> widget id
        self.fragments: dict[str, str] = {}  # widget id -> the fragment it is drawn in
        self.query_keys: dict[str, str] = {}  # widget id -> the URL parameter it is bound to
        self.errors: list[str] = []
        self.auto_reruns: dict[str, float] = {}  # fragment id -> seconds between its reruns (st.fragment(run_every))
        self.runs = 0
        self.page_script_hash = ""
        self._socket = None

    async def open(self) -> float:
        """Loads the page as a first visit does (the HTML and its scripts and styles, then the
        websocket and the script's first run); returns the seconds until that run finished."""
        started = time.perf_counter()
        await asyncio.to_thread(self._get_page)
        host = urlparse(self.base_url).netloc
        self._socket = await connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                     origin=self.base_url, max_size=2 ** 26, open_timeout=self.timeout)
        await self._run(self._rerun())
        return time.perf_counter() - started

    async def type(self, label: str, text: str, expect: str, count: int, pause: float = 0.4) -> float:
        """Sets the text box labelled ``label`` to ``text`` after the live input's ``pause``; returns the
        seconds from the change until the run finished with ``expect`` shown ``count`` times."""
        widget = next((i for name, i in self.labels.items() if name.startswith(label)), None)
        if widget is None:
            raise WireError(f"no widget labelled {label!r} on {self.page}")
        started = time.perf_counter()
        await asyncio.sleep(pause)  # the browser sends the value once typing has paused this long
        self.widgets[widget].string_value = text
        key = self.query_keys.get(widget)
        if key:  # a box bound to the URL: the browser writes the new text into the address too
            kept = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k != key]
            self.query = urlencode(kept + [(key, text)])
        shown = await self._run(self._rerun(self.fragments.get(widget, "")), expect)
        if shown < count:
            raise WireError(f"{expect!r} shown {shown} times, expected {count}")
        return time.perf_counter() - started

    async def follow(self, until) -> int:
        """Keeps the page open as a browser does: reruns each fragment that asked for it
        (``st.fragment(run_every=...)``, e.g. the Train page's live panel) at its interval, until
        ``until()`` is true; returns the number of runs."""
        due: dict[str, float] = {}
        while not until():
            now = time.perf_counter()
            for fragment, interval in self.auto_reruns.items():
                due.setdefault(fragment, now + interval)
            for fragment in [f for f in due if f not in self.auto_reruns]:
                del due[fragment]
            if not due:
                await asyncio.sleep(0.2)
                continue
            fragment = min(due, key=due.get)
            await asyncio.sleep(max(0.0, min(due[fragment] - time.perf_counter(), 0.5)))
            if time.perf_counter() < due[fragment]:
                continue  # look at until() at least twice a second
            del due[fragment]
            await self._run(self._rerun(fragment, auto=True))
        return self.runs

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    # -- the wire ------------------------------------------------------------------------------

    def _rerun(self, fragment: str = "", auto: bool = False) -> BackMsg:
        """A run request as the browser sends it: the address, the page, every widget's value (none
        before the first run), and the fragment to rerun, if only one."""
        message = BackMsg(rerun_script={
            "query_string": self.query, "page_name": self.page, "page_script_hash": self.page_script_hash,
            "fragment_id": fragment, "is_auto_rerun": auto, "widget_states": {},
            "context_info": {"timezone": "UTC", "locale": "en-US", "url": f"{self.base_url}/{self.page}",
                             "color_scheme": "light"}})
        message.rerun_script.widget_states.widgets.extend(self.widgets.values())
        return message

    def _get_page(self) -> None:
        """The page's HTML and the scripts and styles it names (a first visit's downloads)."""
        url = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        with urllib.request.urlopen(url, timeout=self.timeout) as response:
            html = response.read().decode("utf-8", "replace")
        for marker in ('src="', 'href="'):
            for part in html.split(marker)[1:]:
                path = part.split('"', 1)[0]
                if path.startswith("./") or path.startswith("/static") or path.startswith("static"):
                    asset = f"{self.base_url}/{path.lstrip('./').lstrip('/')}"
                    with urllib.request.urlopen(asset, timeout=self.timeout) as response:
                        response.read()

    async def _run(self, message: BackMsg, expect: str | None = None) -> int:
        """Sends one run request and reads until the run finished; returns how often ``expect``
        appeared in the HTML the run drew."""
        await self._socket.send(message.SerializeToString())
        shown = 0
        deadline = time.perf_counter() + self.timeout
        while True:
            try:
                raw = await asyncio.wait_for(self._socket.recv(), timeout=max(0.1, deadline - time.perf_counter()))
            except asyncio.TimeoutError as error:
                raise WireError(f"no answer from the server in {self.timeout:.0f} s") from error
            reply = ForwardMsg()
            reply.ParseFromString(raw)
            kind = reply.WhichOneof("type")
            if kind == "navigation":
                # The page being run (st.navigation), sent back with every later request as the browser
                # does: a rerun the script asks for itself (st.rerun) runs the requesting page.
                self.page_script_hash = reply.navigation.page_script_hash or self.page_script_hash
            elif kind == "new_session" and not reply.metadata.run.fragment_ids:
                self.auto_reruns.clear()  # a whole run: its fragments say again which rerun themselves
            elif kind == "auto_rerun":
                self.auto_reruns[reply.auto_rerun.fragment_id] = reply.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fragment in reply.stop_auto_rerun.fragment_ids:
                    self.auto_reruns.pop(fragment, None)
            elif kind == "page_info_changed":
                self.query = reply.page_info_changed.query_string
            elif kind == "delta":
                shown += self._read_delta(reply.delta, expect)
            elif kind == "script_finished":
                if reply.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # the script asked for a rerun (st.rerun): its next run answers
                if reply.script_finished not in FINISHED:
                    raise WireError(f"the run ended {ForwardMsg.ScriptFinishedStatus.Name(reply.script_finished)}")
                self.runs += 1
                return shown

    def _read_delta(self, delta, expect: str | None) -> int:
        kind = delta.WhichOneof("type")
        if kind != "new_element":
            return 0
        element = delta.new_element
        what = element.WhichOneof("type")
        if what in ("exception",) or (what == "alert" and element.alert.format == element.alert.ERROR):
            body = element.exception.message if what == "exception" else element.alert.body
            self.errors.append(f"{what}: {body[:160]}")
        if what == "html" and expect:
            # One card per model, each with its words: count the cards whose words show the token.
            return sum(expect in card for card in element.html.body.split("class='word-weights'")[1:])
        state = _initial_state(element)
        if state is not None:
            if state.id not in self.widgets:
                self.widgets[state.id] = state
            widget = getattr(element, what)
            self.labels[widget.label] = state.id
            if getattr(widget, "query_param_key", ""):
                self.query_keys[state.id] = widget.query_param_key
            if delta.fragment_id:
                self.fragments[state.id] = delta.fragment_id
        return 0
