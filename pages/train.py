"""Train: your job's progress and live curves at the top; below, data, a variant and its settings.

Training runs on the engine's training worker, in a queue every session can join (one waiting
job per person). The form keeps its values across page switches; the model's name is a fresh free
one after each submission; the estimate counts getting ready and corrects itself from the live rate.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from pages import map_figures, ui, views
from pages.train_settings import linear_settings, neural_settings, ngram_settings
from sentiment_core import paths
from sentiment_core.config import VARIANT_DESCRIPTIONS, VARIANTS, default_configs, seed_preset
from sentiment_core.data import MAX_TABLE_BYTES, imdb_status, load_table, table_columns, train_val_test_split
from sentiment_core.estimates import estimate
from sentiment_core.film import job_film_path
from sentiment_core.fit_data import fit_to_texts
from sentiment_core.jobdata import save_splits
from sentiment_core.jobqueue import DataSpec
from sentiment_core.manage import free_model_name, name_base, rename_model
from sentiment_core.polarity import robust_limit
from sentiment_core.store import validate_name

KEEP = "session"  # form values survive a visit to another page

ui.setup_page("train")
st.title("Train a model")
me = ui.who()
engine = ui.engine()
queue = ui.queue()


# Keyed by the upload's id, not its bytes: copying and hashing an upload of up to 100 MB on
# every rerun costs; the bytes are read only when the cache misses.
@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def upload_columns(file_id: str, _upload, header: bool | None):
    return table_columns(_upload.getvalue(), _upload.name, header=header)


@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def read_upload(file_id: str, _upload, text_column: str, label_column: str, header: bool):
    """Parse and split an upload once, not on every rerun of the page."""
    own = load_table(_upload.getvalue(), _upload.name, text_column=text_column, label_column=label_column, header=header)
    return own, train_val_test_split(own, seed=42)


@st.cache_resource(max_entries=16, show_spinner="Measuring your texts ...")
def fitted_to_data(data_key: str, variant: str, _texts, _model_config, _train_config, validation_size: int):
    return fit_to_texts(_texts, _model_config, train_config=_train_config, validation_size=validation_size)


def pick_columns_and_read(upload):
    """Column pickers for an upload (the guesses preselected), then the data set; (None, splits) until both are chosen."""
    key = upload.file_id
    guessed = upload_columns(key, upload, None)
    header = st.checkbox("The first row names the columns", value=guessed.has_header, key=f"header-{key}")
    columns = guessed if header == guessed.has_header else upload_columns(key, upload, header)
    left, right = st.columns(2)

    def index(column):
        return columns.columns.index(column) if column in columns.columns else None

    text = left.selectbox("Text column", columns.columns, index=index(columns.text_column), key=f"text-{key}-{header}",
                          placeholder="Choose the column with the texts")
    label = right.selectbox("Label column", columns.columns, index=index(columns.label_column), key=f"label-{key}-{header}",
                            placeholder="Choose the column with the labels")
    if text is None or label is None:
        st.info("Choose the text column and the label column.")
        return None, (None, None, None)
    return read_upload(key, upload, text, label, header)



# -- your job and the room's, at the top (what a projector shows) ------------------------------


# Every second while a job waits or runs; every 5 s when nothing does (a room of idle pages costs little).
FAST, SLOW = 1.0, 5.0
cadence = FAST if queue.active() else SLOW


@st.fragment(run_every=cadence)
def job_panel() -> None:
    mine = queue.latest_of(me.owner)
    active = queue.active()
    if bool(active) != (cadence == FAST):
        st.rerun(scope="app")  # switch the panel's pace
    running = [job for job in active if job.running]
    if mine is not None and mine.waiting:
        st.info(f"Your job {mine.name!r} is number {mine.position} in the queue; it should start in about "
                f"{views.duration(mine.starts_in_s)}.")
        if st.button("Take it off the queue", key="train_cancel"):
            _stop(mine)
    shown = [job for job in running if mine is None or job.id != mine.id]
    if mine is not None and not mine.waiting:
        _job_card(queue.get(mine.id), mine=True)
    for job in shown:
        _job_card(queue.get(job.id), mine=False)
    waiting = [job for job in active if job.waiting]
    if waiting:
        with st.expander(f"Queue: {len(waiting)} waiting", expanded=False):
            views.dataframe([{"position": j.position, "model": j.name, "by": j.nickname, "variant": j.variant,
                              "data": j.data_label, "starts in about": views.duration(j.starts_in_s)} for j in waiting])
            if me.teacher and st.button("Clear the queue", key="train_clear_queue"):
                st.toast(f"Took {queue.clear_waiting(me)} jobs off the queue.")
    if mine is None and not running:
        st.caption("Nothing is training. Choose data and a model below and press Train: progress and curves appear here.")
    # When a job of this session ends, the whole page reruns once (fresh name, Train enabled).
    if mine is not None and mine.active:
        st.session_state["train_watching"] = mine.id
    elif mine is not None and st.session_state.get("train_watching") == mine.id:
        st.session_state["train_watching"] = None
        st.rerun(scope="app")


def curves(job, metric: str):
    return _curves(job.id, job.heartbeat_at, len(job.batch_points), metric, job)


@st.cache_resource(max_entries=16, show_spinner=False)
def _curves(job_id: str, reported_at, points: int, metric: str, _job):
    return views.training_curves(_job.batch_points, _job.epoch_history, metric)


def _stop(job) -> None:
    try:
        queue.request_stop(job.id, me)
    except ValueError as error:  # NotAllowed: not the owner, not the teacher
        st.error(str(error))
    else:
        st.toast("Stopping after this batch ..." if job.running else "Taken off the queue.")


def _job_card(job, mine: bool) -> None:
    whose = "Your job" if mine else f"{job.nickname or 'A classmate'}'s job"
    title = "training now" if job.running else "finished" if not job.active else "waiting"
    with st.container(border=True):
        st.markdown(f"**{whose}, {title}: {job.name}** ({job.variant}, {job.data_label})")
        if job.running:
            st.progress(job.fraction, text=job.message)
            p = job.progress
            cols = st.columns(5)
            cols[0].metric("Epoch", f"{p.get('epoch', 0)} / {p.get('epochs', job.train_config.epochs)}")
            cols[1].metric("Batch", f"{p.get('batch', 0)} / {p.get('batches')}" if p.get("batches") else "—")
            cols[2].metric("Reviews / s", f"{p['samples_per_s']:,.0f}" if p.get("samples_per_s") else "—")
            cols[3].metric("Elapsed", views.duration(job.elapsed_s))
            cols[4].metric("Time left (about)", views.duration(job.left_s))
            if me.may_manage(job.owner):
                if st.button("Stop", key=f"train_stop-{job.id}", disabled=job.stop_requested,
                             help="Ends after the current batch and keeps the best complete epoch so far."):
                    _stop(job)
            if job.stop_requested:
                st.caption("Stopping after the current batch ...")
        else:
            {"done": st.success, "stopped": st.warning, "failed": st.error}.get(job.state, st.info)(job.message)
        if job.batch_points or job.epoch_history.get("epoch"):
            left, right = st.columns(2)
            # Built once per report and shared by every page watching the job.
            left.plotly_chart(curves(job, "loss"), key=f"curve_loss-{job.id}")
            right.plotly_chart(curves(job, "accuracy"), key=f"curve_acc-{job.id}")
        _film(job)
        if mine and not job.active:
            _results(job)


def _film(job) -> None:
    """The embeddings moving while the job trains (the latest snapshot; the slider goes back)."""
    view = ui.film_view(job_film_path(ui.models_dir(), job.id))
    if view is None or len(view.coords) < 2 and not job.running:
        return
    with st.expander("Watch its word vectors move", expanded=job.running):
        # While it trains, the latest snapshot alone: this panel is sent every second, and the whole
        # film (up to 200 frames) would be most of it. The film with its slider once the job ends.
        figure = _film_figure(job.id, len(view.coords), view.positions[-1], view.separations[-1], view, job.name,
                              animated=not job.running)
        st.plotly_chart(figure, key=f"film-{job.id}")
        moving = (f"Snapshot {len(view.coords)}, the latest; the whole film, with a slider and ▶ Play, when the job ends."
                  if job.running else "Press ▶ Play, or drag the slider.")
        st.caption(f"{len(view.words)} words: green ones are more frequent in positive training texts, red ones in "
                   "negative. Each snapshot is that moment's PCA (both axes stretched to the same spread; the title says "
                   "how much of the variance the first one holds), turned to match the one before: watch the two "
                   f"colours pull apart. {moving}")


@st.cache_resource(max_entries=16, show_spinner=False)
def _film_figure(job_id: str, frames: int, last_position: float, last_separation: float, _view, name: str,
                 animated: bool):
    """Built once per version of the film and shared by every page watching the job (they refresh every second)."""
    limit = robust_limit(np.asarray(_view.polarity, dtype=float))
    return map_figures.film_figure(_view, limit, name, height=460, start_at_end=True, animated=animated)


def _results(job) -> None:
    m = job.metrics
    if not m or m.get("test_accuracy") is None:
        return
    cols = st.columns(4)
    cols[0].metric("Test accuracy", views.percent(m["test_accuracy"]))
    cols[1].metric("Best validation accuracy", views.percent(m.get("val_accuracy")))
    cols[2].metric("Best epoch", f"{m.get('best_epoch')} of {m.get('epochs_run')}")
    took = job.elapsed_s
    cols[3].metric("Took", views.duration(took), help="From the start on the worker to the saved model.")
    if job.planned_s:
        st.caption(f"Estimated {views.duration(job.planned_s)} before it started; it took {views.duration(took)} "
                   f"({took / job.planned_s:.1f}× the estimate).")
    left, right = st.columns([2, 3])
    left.plotly_chart(views.confusion_figure(m["confusion_matrix"], list(m["per_class"])), key=f"confusion-{job.id}")
    with right:
        st.markdown("**Most confident mistakes on the test set**")
        st.table(
            [{"text": r["text"][:240] + ("..." if len(r["text"]) > 240 else ""), "true": r["true"], "predicted": r["predicted"],
              "confidence": f"{r['confidence']:.0%}"} for r in m.get("misclassified", [])[:4]],
        )
    if job.saved_as and ui.store().exists(job.saved_as):
        with st.form(f"rename_form-{job.id}", border=False):
            a, b = st.columns([3, 1], vertical_alignment="bottom")
            new_name = a.text_input("Saved as (edit to rename)", value=job.saved_as, max_chars=64, key=f"rename-{job.id}")
            if b.form_submit_button("Rename"):
                try:
                    rename_model(ui.store(), queue, me, job.saved_as, new_name.strip())
                    st.success(f"Renamed to {new_name.strip()!r}.")
                except ValueError as error:
                    st.error(str(error))
        st.page_link("pages/predict.py", label="Try it on the Predict page", icon=":material/chat:")


job_panel()
st.divider()

TRAIN_SIZES = [200, 500, 1000, 2000, 5000, 10000, 22500]
TEST_SIZES = [200, 500, 1000, 2500, 5000, 25000]

# -- 1. data ----------------------------------------------------------------------------------
settings, estimate_column = st.columns([3, 2], gap="large")
with settings:
    st.subheader("1. Data")
    source = st.radio("Train on", ["IMDB movie reviews", "My own file (CSV/TSV)"], horizontal=True, key="train_source", persist_state=KEEP)
    data_ready, data_label, data_spec, splits, sizes, data_key = False, "", None, None, (0, 0, 0), ""
    if source == "IMDB movie reviews":
        status = imdb_status()
        if status["found"]:
            st.caption(f"Using {status['path']}")
        else:
            st.warning(status["message"])
        left, right = st.columns(2)
        n_train = left.select_slider("Training reviews (10% of them validate)", TRAIN_SIZES, value=2000, key="train_n", persist_state=KEEP)
        n_test = right.select_slider("Test reviews (official test set)", TEST_SIZES, value=1000, key="train_test_n", persist_state=KEEP)
        data_ready, data_label = True, f"IMDB {n_train:,} train / {n_test:,} test"
        sizes = (n_train - n_train // 10, n_train // 10, n_test)
        data_spec = DataSpec("imdb", data_label, data_dir=str(paths.data_dir()), train_size=None if n_train >= 22500 else n_train,
                             test_size=None if n_test >= 25000 else n_test, sizes=sizes)
    else:
        upload = st.file_uploader(
            "A CSV or TSV with a text column and a label column (0/1, neg/pos, or any class names), "
            f"up to {MAX_TABLE_BYTES >> 20} MB", type=["csv", "tsv", "txt"], key="train_upload",
        )
        own = None
        if upload is not None:
            try:
                own, (train_set, val_set, test_set) = pick_columns_and_read(upload)
            except ValueError as error:  # DataError included
                st.error(str(error))
            if own is not None:
                views.show_notes(own.notes)
                counts = ", ".join(f"{k}: {v:,}" for k, v in own.class_counts().items())
                st.success(f"{len(own):,} texts in {len(own.class_names)} classes ({counts}); split 70/10/20 into train/validation/test.")
                data_ready, data_label = True, f"{upload.name} ({len(own):,} texts)"
                sizes = (len(train_set), len(val_set), len(test_set))
                splits = (train_set, val_set, test_set)
                data_spec = DataSpec("file", data_label, sizes=sizes)
                data_key = f"{upload.file_id}-{len(train_set)}"

    # -- 2. model -----------------------------------------------------------------------------
    st.subheader("2. Model")
    variant = st.selectbox("Variant", VARIANTS, index=VARIANTS.index("fasttext"), key="train_variant", persist_state=KEEP)
    st.caption(VARIANT_DESCRIPTIONS[variant])
    preset = st.radio(
        "Settings", ["Tuned defaults", "The seed's settings"], horizontal=True, key="train_preset", persist_state=KEEP,
        help="Tuned defaults were chosen on IMDB's validation split; the seed's settings reproduce the tutorial (it overfits).",
    )
    model_config, train_config = default_configs(variant) if preset == "Tuned defaults" else seed_preset(variant)
    k = f"{variant}-{preset}"  # each variant/preset pair keeps its own widget values
    if splits is not None and preset == "Tuned defaults":
        # Own data: the sequence length and vocabulary its training texts need, not IMDB's.
        fit = fitted_to_data(data_key, variant, splits[0].texts, model_config, train_config, len(splits[1]))
        model_config, train_config = fit.model_config, fit.train_config or train_config
        k = f"{k}-{data_key}"
        st.info("**Fitted to your data.** " + " ".join(fit.notes) + " Change them under Hyperparameters.")
    with st.expander("Hyperparameters", expanded=False):
        if model_config.is_linear:
            changes, train_changes = linear_settings(model_config, train_config, k)
        elif variant == "nb-ngrams":
            changes, train_changes = ngram_settings(model_config, train_config, k)
        else:
            changes, train_changes = neural_settings(variant, model_config, train_config, k)
    try:
        model_config = model_config.replace(**changes)
        train_config = train_config.replace(**train_changes)
        config_error = None
    except ValueError as error:
        config_error = str(error)
        st.error(config_error)

    # -- 3. name and go -----------------------------------------------------------------------
    st.subheader("3. Train")
    name_key = f"train_name-{variant}"
    if name_key not in st.session_state:  # a fresh, free name after every submission
        st.session_state[name_key] = free_model_name(ui.store(), queue, name_base(variant, me.nickname, f"{variant}-{time.strftime('%m%d-%H%M')}"))
    name = st.text_input("Save the model as", key=name_key, max_chars=64, persist_state=KEEP).strip()
    name_error = None
    try:
        validate_name(name)
        if ui.store().exists(name):
            name_error = f"A model named {name!r} already exists: choose another name or delete it on the Models page."
        elif name in queue.reserved_names():
            name_error = f"A job in the queue will save a model named {name!r}: choose another name."
    except ValueError as error:
        name_error = str(error)
    if name_error:
        st.error(name_error)

with estimate_column:
    st.subheader("Estimate")
    planned = None
    if data_ready and config_error is None:
        planned = estimate(model_config, train_config, *sizes)
        st.metric("Time on the training worker (at most)", views.duration(planned.total_s))
        st.caption(
            f"{views.duration(planned.ready_s)} to get ready, {views.duration(planned.train_s)} for up to {train_config.epochs} epochs "
            f"of {-(-sizes[0] // train_config.batch_size):,} batches ({sizes[0]:,} training and {sizes[1]:,} validation texts), "
            f"{views.duration(planned.test_s)} to test on {sizes[2]:,}. Measured on 2 CPU cores; early stopping shortens it, "
            "and while it runs the estimate corrects itself from the live rate."
        )
        waiting = [job for job in queue.active()]
        if waiting:
            ahead = sum((job.left_s or 0) if job.running else (job.planned_s or 0) for job in waiting)
            st.caption(f"{len(waiting)} job(s) ahead of yours: it would start in about {views.duration(ahead)}.")
    st.caption(f"Device: {ui.device_text()}")
    mine = queue.latest_of(me.owner)
    already = mine is not None and mine.waiting and not me.teacher
    if already:
        st.info("Your job is waiting in the queue: one waiting job per person.")
    start = st.button("Train", type="primary", disabled=already or not data_ready or bool(name_error) or config_error is not None,
                      width="stretch", key="train_start")
    if start:
        try:
            spec = data_spec
            if spec.kind == "file":
                spec = DataSpec("file", data_label, path=save_splits(ui.models_dir(), splits), sizes=sizes)
            plan = planned.to_dict()
            engine.submit(ui.models_dir(), me, name, model_config, train_config, spec, plan)
        except ValueError as error:  # a full queue, a name taken meanwhile, a folder that cannot be written
            st.error(str(error))
        else:
            st.session_state.pop(name_key, None)  # the next model gets a fresh free name
            st.rerun()
